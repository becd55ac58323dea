"""Phrase pools for the demo generator's brand mentions and reviews (English, French, Romanian).

Written for this project. Sentences are assembled from an opening that carries the sentiment, a
product and a closing, so the sentiment model has real words to learn, not identical strings.
"""

from __future__ import annotations

import itertools
import unicodedata

import numpy as np
from pandas.api.extensions import ExtensionArray

from advocates.demo.population import texts

__all__ = ["BRAND", "make_texts", "strip_diacritics"]

BRAND = "Lumen"

_PRODUCTS = {
    "en": [
        "headphones",
        "desk lamp",
        "backpack",
        "running shoes",
        "coffee grinder",
        "jacket",
        "phone case",
    ],
    "fr": [
        "casque",
        "lampe de bureau",
        "sac à dos",
        "chaussures de course",
        "moulin à café",
        "veste",
        "coque",
    ],
    "ro": [
        "căștile",
        "lampa de birou",
        "rucsacul",
        "pantofii de alergare",
        "râșnița de cafea",
        "geaca",
        "husa",
    ],
}

_OPENINGS = {
    ("en", "positive"): [
        "Absolutely love my new",
        "So happy with the",
        "Best purchase this year: the",
        "Highly recommend the",
        "Great quality and fast delivery for the",
        "Really impressed by the",
    ],
    ("en", "neutral"): [
        "Just ordered the",
        "Does anyone know if the",
        "Picked up the",
        "Comparing prices for the",
        "Received the",
        "Thinking about buying the",
    ],
    ("en", "negative"): [
        "Really disappointed with the",
        "Terrible experience with the",
        "Still waiting for a refund on the",
        "Do not buy the",
        "Awful customer service about the",
        "Broke after a week: the",
    ],
    ("fr", "positive"): [
        "J'adore mon nouveau",
        "Très contente du",
        "Meilleur achat de l'année :",
        "Je recommande vivement le",
        "Qualité top et livraison rapide pour le",
        "Vraiment bluffé par le",
    ],
    ("fr", "neutral"): [
        "Je viens de commander le",
        "Quelqu'un sait si le",
        "J'ai récupéré le",
        "Je compare les prix du",
        "Reçu aujourd'hui le",
        "J'hésite à acheter le",
    ],
    ("fr", "negative"): [
        "Très déçue par le",
        "Expérience horrible avec le",
        "J'attends toujours le remboursement du",
        "N'achetez pas le",
        "Service client nul pour le",
        "Cassé au bout d'une semaine, le",
    ],
    ("ro", "positive"): [
        "Îmi plac enorm",
        "Sunt foarte mulțumită de",
        "Cea mai bună achiziție din an:",
        "Recomand cu căldură",
        "Calitate excelentă și livrare rapidă pentru",
        "Sunt impresionat de",
    ],
    ("ro", "neutral"): [
        "Tocmai am comandat",
        "Știe cineva dacă",
        "Am ridicat azi",
        "Compar prețurile pentru",
        "Am primit",
        "Mă gândesc să cumpăr",
    ],
    ("ro", "negative"): [
        "Sunt foarte dezamăgit de",
        "O experiență groaznică cu",
        "Încă aștept banii înapoi pentru",
        "Nu cumpărați",
        "Servicii pentru clienți jalnice pentru",
        "S-a stricat după o săptămână:",
    ],
}

_CLOSINGS = {
    ("en", "positive"): ["worth every penny!", "thank you!", "will buy again.", "five stars.", ""],
    ("en", "neutral"): ["any thoughts?", "we will see.", "arrives Tuesday.", "", "ok so far."],
    ("en", "negative"): [
        "never again.",
        "what a waste of money.",
        "so frustrating.",
        "one star.",
        "",
    ],
    ("fr", "positive"): ["je rachèterai !", "merci !", "parfait.", "cinq étoiles.", ""],
    ("fr", "neutral"): ["des avis ?", "on verra.", "livraison mardi.", "", "ça va pour l'instant."],
    ("fr", "negative"): ["plus jamais.", "quel gâchis.", "vraiment énervant.", "une étoile.", ""],
    ("ro", "positive"): [
        "merită fiecare leu!",
        "mulțumesc!",
        "voi mai cumpăra.",
        "cinci stele.",
        "",
    ],
    ("ro", "neutral"): ["păreri?", "vom vedea.", "ajunge marți.", "", "deocamdată e ok."],
    ("ro", "negative"): ["niciodată din nou.", "bani aruncați.", "foarte enervant.", "o stea.", ""],
}

_SENTIMENTS = ("negative", "neutral", "positive")


def strip_diacritics(text: str) -> str:
    """Remove accents, as many Romanian writers do on phones (ă → a, ș → s)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _sentence(opening: str, product: str, closing: str, *, plain: bool) -> str:
    """Put a text together; ``plain`` leaves the accents out."""
    text = f"{opening} {product} {BRAND} {closing}"
    return (strip_diacritics(text) if plain else text).strip()


def make_texts(
    rng: np.random.Generator, languages: np.ndarray, sentiments: np.ndarray
) -> ExtensionArray:
    """Return one brand-mention text per (language, sentiment index 0/1/2) pair.

    >>> rng = np.random.default_rng(0)
    >>> list(make_texts(rng, np.array(["en", "ro"], dtype=object), np.array([2, 0])))
    ... # doctest: +NORMALIZE_WHITESPACE
    ['Really impressed by the coffee grinder Lumen will buy again.',
     'O experienta groaznica cu rucsacul Lumen niciodata din nou.']
    """
    # A group's texts are each one of its few hundred sentences (opening x product x closing x
    # with or without accents): make each sentence once, and draw which one each text is.
    sentences: list[str] = []
    chosen = np.zeros(len(languages), dtype=np.int64)  # each text's index in sentences
    for lang in ("en", "fr", "ro"):
        for s_index, sentiment in enumerate(_SENTIMENTS):
            where = np.flatnonzero((languages == lang) & (sentiments == s_index))
            if not len(where):
                continue
            parts = (_OPENINGS[(lang, sentiment)], _PRODUCTS[lang], _CLOSINGS[(lang, sentiment)])
            picks = [rng.integers(len(part), size=len(where)) for part in parts]
            # Many Romanian writers leave the accents out (on phones).
            plain = rng.random(len(where)) < 0.35 if lang == "ro" else np.zeros(len(where), bool)
            shape = (*(len(part) for part in parts), 2)
            chosen[where] = len(sentences) + np.ravel_multi_index((*picks, plain), shape)
            sentences += [
                _sentence(opening, product, closing, plain=bare)
                for opening, product, closing, bare in itertools.product(*parts, (False, True))
            ]
    return texts(sentences)[chosen]
