"""Sample data and builders that tests in several folders share (imported, never collected).

Fixtures live in the ``conftest.py`` files; this module holds plain values and functions, so no
test module imports another test module or a conftest.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

from advocates.data.io import write_table
from advocates.demo import break_rows, generate_demo_tables

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"  # public data sets, present on some machines
#: Where browser tests leave their screenshots (kept by CI as artefacts, ignored by git).
ARTEFACTS = ROOT / "test-artefacts"

END = "2026-11-01"
AS_OF = pd.Timestamp(END, tz="UTC")


def write_demo(folder: Path, *, customers: int = 800, seed: int = 5, broken: float = 0.0) -> Path:
    for name, frame in generate_demo_tables(customers=customers, seed=seed, end=END).items():
        frame, how = break_rows(name, frame, fraction=broken, seed=seed)
        write_table(
            frame,
            folder / f"{name}.csv",
            bad_bytes_lines=how.bad_bytes_lines,
            extra_field_lines=how.extra_field_lines,
        )
    return folder


# An incentive catalogue: the campaign library, the API and the CLI plan over it.
CATALOGUE = pd.DataFrame(
    {
        "incentive_id": ["both10", "friend15", "adv5"],
        "advocate_reward": ["10", "0", "5"],
        "friend_reward": ["10", "15", "0"],
        "currency": ["EUR"] * 3,
        "kind": ["two-sided", "friend-only", "advocate-only"],
        "cap": ["5", "", "3"],
        "disclosure_en": [
            "I get 10 EUR, you get 10 EUR off.",
            "You get 15 EUR off.",
            "I get 5 EUR.",
        ],
        "disclosure_fr": [
            "Je reçois 10 EUR, vous 10 EUR de remise.",
            "Vous avez 15 EUR de remise.",
            "Je reçois 5 EUR.",
        ],
        "disclosure_ro": [
            "Primesc 10 EUR, tu 10 EUR reducere.",
            "Primești 15 EUR reducere.",
            "Primesc 5 EUR.",
        ],
    }
)


# Labelled texts: the sentiment model's tests and ``advocates eval sentiment`` train on them.
POSITIVE = ["love it", "great service", "excellent, thank you", "super, recomand", "génial, merci"]
NEGATIVE = ["awful delay", "terrible service", "nu recomand", "never again", "c'est nul"]
NEUTRAL = ["flight at 9", "order number 12", "am primit coletul", "le vol part à 9h", "it is blue"]


def labelled(n_each: int) -> pd.DataFrame:
    rows = []
    for i in range(n_each):
        for label, texts in (("positive", POSITIVE), ("negative", NEGATIVE), ("neutral", NEUTRAL)):
            rows.append({"title": f"#{i}", "text": texts[i % len(texts)], "label": label})
    return pd.DataFrame(rows)


# A hand-made Ciao folder: the importer's mapping and ``advocates import ciao`` read it.
# u1 is trusted by u2 and u3; u2 rates p1 after u1 (an adoption), u3 rates p1 on the same day
# (not an adoption) and p2 before u1 (not one either); u4 trusts nobody and nobody trusts u4.
RATINGS = [
    ("u1", "p1", "1", 5, "2007-01-10"),
    ("u1", "p2", "2", 4, "2007-03-01"),
    ("u2", "p1", "1", 4, "2007-02-01"),
    (
        "u2",
        "p1",
        "1",
        3,
        "2007-05-01",
    ),  # a second rating of the same product: not a second adoption
    ("u3", "p1", "1", 2, "2007-01-10"),
    ("u3", "p2", "2", 0, "2007-02-01"),
    ("u1", "p3", "1", 5, "2008-06-01"),
    ("u2", "p3", "1", 5, "2008-07-01"),  # an adoption after --until
    ("u4", "p9", "2", 1, "2007-01-01"),
]
TRUST = [("u2", "u1"), ("u3", "u1"), ("u1", "u2")]
CATEGORIES = pd.DataFrame({"category_id": ["1", "2"], "category_name": ["DVDs", "Books"]})


def ratings_frame() -> pd.DataFrame:
    frame = pd.DataFrame(RATINGS, columns=["user_id", "product_id", "category_id", "rating", "day"])
    return frame.assign(date_utc=frame.pop("day") + "T07:00:00Z", helpfulness=1)


def trust_frame() -> pd.DataFrame:
    return pd.DataFrame(TRUST, columns=["truster_id", "trustee_id"])


def write_ciao(folder: Path) -> Path:
    folder.mkdir()
    for name, frame in {
        "ratings": ratings_frame(),
        "trust": trust_frame(),
        "categories": CATEGORIES,
    }.items():
        with gzip.open(folder / f"{name}.csv.gz", "wt") as handle:
            frame.to_csv(handle, index=False)
    return folder
