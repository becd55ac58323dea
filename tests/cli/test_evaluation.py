"""``advocates eval``: the sentiment and customer-value figures, and their failure paths."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.helpers import Ran, advocates, error_of
from tests.helpers import labelled


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_eval_sentiment_prints_figures_as_the_last_line(tmp_path: Path) -> None:
    train = labelled(20)
    train.loc[0, "label"] = ""  # no label: left out and counted
    train.to_csv(tmp_path / "train.csv", index=False)
    labelled(5).to_csv(tmp_path / "test.csv.gz", index=False)
    done = advocates(
        "eval", "sentiment", "--train", "train.csv", "--test", "test.csv.gz",
        "--text-column", "title", "--text-column", "text", "--label-column", "label",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    figures = last_json(done.stdout)
    assert figures["n_train"] == 59 and figures["n_train_dropped"] == 1 and figures["n_test"] == 15
    assert figures["accuracy"] == 1.0 and figures["macro_f1"] == 1.0
    assert set(figures["per_class"]) == {"negative", "neutral", "positive"}
    assert set(figures["per_class"]["neutral"]) == {"precision", "recall", "f1", "support"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-column", "body"], "train.csv: no column 'body'"),
        (["--label-column", "stars"], "train.csv: no column 'stars'"),
        (["--train", "nowhere.csv"], "nowhere.csv: no such file"),
    ],
)
def test_eval_sentiment_names_the_file_and_column_it_cannot_use(
    tmp_path: Path, args: list[str], message: str
) -> None:
    labelled(3).to_csv(tmp_path / "train.csv", index=False)
    labelled(3).to_csv(tmp_path / "test.csv", index=False)
    base = {"--train": "train.csv", "--test": "test.csv"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    done = advocates(
        "eval", "sentiment", *[part for pair in base.items() for part in pair], cwd=tmp_path
    )
    assert message in error_of(done)


def test_eval_sentiment_refuses_a_single_label(tmp_path: Path) -> None:
    labelled(3).assign(label="positive").to_csv(tmp_path / "train.csv", index=False)
    labelled(3).to_csv(tmp_path / "test.csv", index=False)
    done = advocates(
        "eval", "sentiment", "--train", "train.csv", "--test", "test.csv", cwd=tmp_path
    )
    assert "at least two distinct labels" in error_of(done)


def test_eval_sentiment_cross_validates_on_the_training_file(tmp_path: Path) -> None:
    train = labelled(10)
    train.loc[3, "text"] = ""  # no text: left out and counted
    train.to_csv(tmp_path / "train.csv", index=False)
    done = advocates(
        "eval", "sentiment", "--train", "train.csv", "--cv", "3", "--repeats", "2", cwd=tmp_path
    )
    assert done.exit_code == 0, done.stderr
    cv = last_json(done.stdout)["cv"]
    assert (cv["n_texts"], cv["n_dropped"], cv["folds"], cv["repeats"]) == (29, 1, 3, 2)
    assert len(cv["per_fit"]) == 6  # every fold of every repeat, measured on texts it did not learn
    fits = pd.DataFrame(cv["per_fit"])
    assert cv["macro_f1"]["mean"] == round(fits["macro_f1"].mean(), 4)
    assert cv["macro_f1"]["std"] == round(fits["macro_f1"].std(ddof=1), 4)
    assert cv["accuracy"]["mean"] == round(fits["accuracy"].mean(), 4)
    assert "cross-validated on 29 texts (3 folds × 2 repeats" in done.stderr
    assert f"macro-F1 {cv['macro_f1']['mean']} ± {cv['macro_f1']['std']}" in done.stderr


def test_eval_sentiment_with_a_test_file_and_cv_prints_both(tmp_path: Path) -> None:
    labelled(6).to_csv(tmp_path / "train.csv", index=False)
    labelled(3).to_csv(tmp_path / "test.csv", index=False)
    done = advocates(
        "eval", "sentiment", "--train", "train.csv", "--test", "test.csv", "--cv", "2",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    figures = last_json(done.stdout)
    assert figures["n_test"] == 9 and figures["cv"]["folds"] == 2
    assert figures["cv"]["repeats"] == 3 and len(figures["cv"]["per_fit"]) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --test FILE to measure on, --cv K to cross-validate, or both"),
        (["--cv", "1"], "--cv needs at least 2 folds and 1 repeat (got 1 and 3)"),
        (["--cv", "2", "--repeats", "0"], "--cv needs at least 2 folds and 1 repeat (got 2 and 0)"),
        (["--cv", "5"], "train.csv: label 'negative' has 4 texts, fewer than the 5 folds of --cv"),
    ],
)
def test_eval_sentiment_cv_says_what_it_cannot_do(
    tmp_path: Path, args: list[str], message: str
) -> None:
    train = labelled(5)
    train.drop(index=train.index[train["label"] == "negative"][:1]).to_csv(
        tmp_path / "train.csv", index=False
    )
    done = advocates("eval", "sentiment", "--train", "train.csv", *args, cwd=tmp_path)
    assert done.exit_code == 1 and message in error_of(done)


def clv_log(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "log.csv"
    pd.DataFrame(rows, columns=["cust", "day", "value"]).to_csv(path, index=False)
    return path


def run_clv(tmp_path: Path, path: Path, end: str = "2024-06-30") -> Ran:
    return advocates(
        "eval", "clv", "--transactions", path, "--customer-column", "cust",
        "--date-column", "day", "--amount-column", "value", "--calibration-end", end,
        cwd=tmp_path,
    )  # fmt: skip


def test_eval_clv_prints_both_models_as_the_last_line(tmp_path: Path) -> None:
    rows = []
    for i in range(60):
        for k in range(1 + i % 4):
            rows.append(
                (f"c{i}", f"2024-0{1 + k}-{1 + i % 27:02d}", f"{10 + (i * 7 + k * 3) % 40}.50")
            )
    done = run_clv(tmp_path, clv_log(tmp_path, rows))
    assert done.exit_code == 0, done.stderr
    figures = last_json(done.stdout)
    assert set(figures["bgnbd"]) == {"r", "alpha", "a", "b", "loglik"}
    assert {"p", "q", "gamma"} <= set(figures["gamma_gamma"])
    assert figures["n_customers"] == 60 and figures["n_repeat_buyers"] == 45


@pytest.mark.parametrize(
    ("rows", "end", "message"),
    [
        ([("a", "2024-01-01", "10"), ("a", "last week", "5")], "2024-06-30", "row 3, column 'day'"),
        (
            [("a", "2024-01-01", "10"), ("a", "2024-02-01", "ten")],
            "2024-06-30",
            "row 3, column 'value'",
        ),
        ([("a", "2024-01-01", "10"), ("a", "2024-02-01", "-5")], "2024-06-30", "negative amount"),
        (
            [("a", "2024-01-01", "10"), ("a", "2024-02-01", "5")],
            "2024-06-30",
            "at least 2 customers",
        ),
        (
            [("a", "2024-01-01", "10"), ("b", "2024-02-01", "5")],
            "2024-06-30",
            "no customer made a repeat",
        ),
        (
            [("a", "2024-01-01", "0"), ("a", "2024-02-01", "0"), ("b", "2024-02-01", "0")],
            "2024-06-30",
            "positive spend",
        ),
        ([("a", "2024-01-01", "10")], "2023-01-01", "no transaction on or before"),
        ([("a", "2024-01-01", "10")], "someday", "--calibration-end 'someday'"),
    ],
)
def test_eval_clv_explains_degenerate_or_bad_input(
    tmp_path: Path, rows: list[tuple[str, str, str]], end: str, message: str
) -> None:
    done = run_clv(tmp_path, clv_log(tmp_path, rows), end)
    assert message in error_of(done)
