"""``advocates import ciao``: the mapping onto the contract, on a small hand-made Ciao folder."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from advocates.errors import InputError
from advocates.evaluation.ciao import ciao_tables

from .conftest import advocates

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


def ratings_frame() -> pd.DataFrame:
    frame = pd.DataFrame(RATINGS, columns=["user_id", "product_id", "category_id", "rating", "day"])
    return frame.assign(date_utc=frame.pop("day") + "T07:00:00Z", helpfulness=1)


def trust_frame() -> pd.DataFrame:
    return pd.DataFrame(TRUST, columns=["truster_id", "trustee_id"])


CATEGORIES = pd.DataFrame({"category_id": ["1", "2"], "category_name": ["DVDs", "Books"]})


def test_mapping_onto_the_contract() -> None:
    tables = ciao_tables(ratings_frame(), trust_frame(), CATEGORIES)
    customers = tables["customers"].set_index("customer_id")
    assert list(customers.index) == ["u1", "u2", "u3", "u4"]
    assert customers["marketing_consent"].all()
    assert str(customers.loc["u1", "created_at"].date()) == "2007-01-10"
    assert len(tables["orders"]) == len(RATINGS) and (tables["orders"]["amount"] == 1.0).all()
    assert set(tables["orders"]["category"]) == {"DVDs", "Books"}
    assert len(tables["reviews"]) == len(RATINGS) - 1  # the 0-star rating is an order only
    assert tables["edges"][["source", "target"]].values.tolist() == [list(t) for t in TRUST]
    assert set(tables["interactions"]["actor"]) == {"u1", "u2", "u3"}  # u4 is not in the graph
    referrals = tables["referrals"]
    assert referrals[["referrer_customer_id", "converted_customer_id"]].values.tolist() == [
        ["u1", "u2"],
        ["u1", "u2"],
    ]
    assert [str(d.date()) for d in referrals["converted_at"]] == ["2007-02-01", "2008-07-01"]


def test_until_leaves_out_the_future_referrals_included() -> None:
    tables = ciao_tables(
        ratings_frame(), trust_frame(), CATEGORIES, until=pd.Timestamp("2008-01-01", tz="UTC")
    )
    assert len(tables["orders"]) == 7
    assert len(tables["referrals"]) == 1


def test_bad_dates_are_named_with_their_row() -> None:
    ratings = ratings_frame()
    ratings.loc[2, "date_utc"] = "yesterday"
    with pytest.raises(InputError, match=r"ratings.csv.gz: row 4, column 'date_utc': 'yesterday'"):
        ciao_tables(ratings, trust_frame(), CATEGORIES)


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


def test_import_then_score_runs_unchanged(tmp_path: Path) -> None:
    source = write_ciao(tmp_path / "ciao")
    done = advocates("import", "ciao", source, "--out", tmp_path / "in", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "referrals: 2 rows" in done.stdout
    scored = advocates("score", "--input", tmp_path / "in", "--as-of", "2009-01-01", cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    assert "published run:" in scored.stdout
    assert "rejected" in scored.stdout and "Traceback" not in scored.stderr


def test_import_names_a_missing_file(tmp_path: Path) -> None:
    source = write_ciao(tmp_path / "ciao")
    (source / "trust.csv.gz").unlink()
    done = advocates("import", "ciao", source, "--out", tmp_path / "in", cwd=tmp_path)
    assert done.returncode == 1
    assert "trust.csv.gz: no such file" in done.stderr
