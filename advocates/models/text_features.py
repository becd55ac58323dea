"""The sentiment model's parts that scikit-learn does not have as such: a character n-gram TF-IDF
that analyses each distinct word once, and lexicon features.

* :class:`WordCharNgrams` gives what ``TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)``
  gives (the same n-grams, document frequencies, weights and norms), but finds each distinct
  word's n-gram columns once and keeps them: tweets and reviews repeat a small vocabulary, and
  cutting every word into n-grams in Python again was most of the scoring time.
* :class:`LexiconFeatures` adds six columns from VADER's English lexicon (the ``vaderSentiment``
  package, MIT licence): the positive and negative valence of the text's words (a word after a
  negation, marked ``neg_`` by :func:`~advocates.models.sentiment.normalise_texts`, counts
  against its valence), how many there are, the net score and whether any word is known.

Examples
--------
>>> chars = WordCharNgrams(ngram_range=(2, 3), min_df=1).fit(["good day", "bad day"])
>>> sorted(chars.vocabulary_)[:4]
[' b', ' ba', ' d', ' da']
"""

from __future__ import annotations

import itertools
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize

__all__ = ["LexiconFeatures", "WordCharNgrams", "vader_lexicon"]


def _char_wb(word: str, low: int, high: int) -> list[str]:
    """The n-grams of one word padded with a space each side, as scikit-learn's ``char_wb``
    analyser cuts them (a word shorter than n gives one, shorter, n-gram)."""
    padded = f" {word} "
    grams = []
    for n in range(low, high + 1):
        offset = 0
        grams.append(padded[offset : offset + n])
        while offset + n < len(padded):
            offset += 1
            grams.append(padded[offset : offset + n])
        if offset == 0:  # the word is shorter than n: longer n-grams add nothing
            break
    return grams


class WordCharNgrams(TransformerMixin, BaseEstimator):
    """Character n-grams within words, TF-IDF weighted: ``TfidfVectorizer(analyzer="char_wb",
    ngram_range, min_df, sublinear_tf=True)`` (smooth idf, l2 norm) on lower-case texts, with
    each distinct word analysed once and its columns kept (at most ``max_words`` words)."""

    def __init__(
        self, ngram_range: tuple[int, int] = (1, 5), min_df: int = 2, max_words: int = 1_000_000
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_words = max_words

    def _counts(self, texts: Any, vocabulary: dict[str, int], *, grow: bool) -> sp.csr_matrix:
        """Texts × n-grams counts, as (texts × distinct words) @ (distinct words × n-grams): each
        distinct word is cut into n-grams once (or found among the words kept), and the rest is
        sparse algebra rather than Python work per word of every text."""
        split = [str(text).lower().split() for text in texts]
        per_text = np.fromiter(map(len, split), np.int64, count=len(split))
        codes, words = pd.factorize(np.fromiter(itertools.chain.from_iterable(split), object))
        text_words = sp.csr_matrix(
            (np.ones(len(codes)), codes, np.concatenate([[0], np.cumsum(per_text)])),
            shape=(len(split), len(words)),
        )
        low, high = self.ngram_range
        known = self._known_words()
        columns = []
        for word in words:
            found = known.get(word)
            if found is None:
                grams = _char_wb(word, low, high)
                if grow:
                    found = np.fromiter(
                        (vocabulary.setdefault(g, len(vocabulary)) for g in grams), np.int64
                    )
                else:
                    found = np.fromiter(
                        (i for i in map(vocabulary.get, grams) if i is not None), np.int64
                    )
                if len(known) < self.max_words:
                    known[word] = found
            columns.append(found)
        per_word = np.fromiter(map(len, columns), np.int64, count=len(columns))
        word_grams = sp.csr_matrix(
            (
                np.ones(int(per_word.sum())),
                np.concatenate(columns) if columns else np.zeros(0, np.int64),
                np.concatenate([[0], np.cumsum(per_word)]),
            ),
            shape=(len(words), len(vocabulary)),
        )
        return sp.csr_matrix(text_words @ word_grams)

    def _known_words(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "_words"):
            self._words: dict[str, np.ndarray] = {}
        return self._words

    def fit(self, texts: Any, y: Any = None) -> WordCharNgrams:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Any, y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        grown: dict[str, int] = {}
        self._words = {}  # (the columns of the n-grams found so far, not of the vocabulary)
        counts = self._counts(texts, grown, grow=True)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        kept = np.flatnonzero(df >= self.min_df)
        grams = np.array(list(grown), dtype=object)[kept]
        self.vocabulary_ = {str(g): i for i, g in enumerate(grams)}
        self.idf_ = np.log((1 + counts.shape[0]) / (1 + df[kept])) + 1.0
        self._words = {}
        return self._weighted(counts[:, kept])

    def transform(self, texts: Any) -> sp.csr_matrix:
        return self._weighted(self._counts(texts, self.vocabulary_, grow=False))

    def _weighted(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        counts = counts.astype(float)
        np.log(counts.data, out=counts.data)
        counts.data += 1.0  # sublinear tf: 1 + log(count)
        return normalize(sp.csr_matrix(counts @ sp.diags(self.idf_)), copy=False)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the words it analysed (a cache, rebuilt as texts come)."""
        state = self.__dict__.copy()
        state.pop("_words", None)
        return state


def vader_lexicon() -> dict[str, float]:
    """VADER's English lexicon (word → valence from -4 to +4), read from the installed
    ``vaderSentiment`` package."""
    text = (resources.files("vaderSentiment") / "vader_lexicon.txt").read_text(encoding="utf-8")
    lexicon = {}
    for line in text.splitlines():
        word, _, rest = line.partition("\t")
        valence = rest.partition("\t")[0]
        try:
            lexicon[word.strip().lower()] = float(valence)
        except ValueError:
            continue
    return lexicon


#: How much a negated word counts against its valence (VADER's own factor).
_NEGATED = -0.74
_STRIP = "\"'.,!?;:()[]{}#@*-_"


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Six columns per (normalised) text from :func:`vader_lexicon`, scaled by ``weight``:
    positive and negative valence and word counts over √(words), the net valence / 4 over
    √(words), and 1 when no word of the text is in the lexicon."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: Any, y: Any = None) -> LexiconFeatures:
        self.lexicon_ = vader_lexicon()
        return self

    def transform(self, texts: Any) -> sp.csr_matrix:
        valence_of = self.lexicon_.get
        rows = np.zeros((len(texts), 6))
        for i, text in enumerate(texts):
            positive = negative = n_positive = n_negative = 0.0
            words = str(text).split()
            for word in words:
                valence = valence_of(word)
                if valence is None:
                    bare = word.strip(_STRIP)
                    negated = bare.startswith("neg_")
                    valence = valence_of(bare[4:] if negated else bare)
                    if valence is None:
                        continue
                    if negated:
                        valence *= _NEGATED
                if valence > 0:
                    positive, n_positive = positive + valence, n_positive + 1
                else:
                    negative, n_negative = negative - valence, n_negative + 1
            root = max(len(words), 1) ** 0.5
            rows[i] = (
                positive / root,
                negative / root,
                n_positive / root,
                n_negative / root,
                (positive - negative) / 4 / root,
                float(n_positive + n_negative == 0),
            )
        return sp.csr_matrix(rows * self.weight)
