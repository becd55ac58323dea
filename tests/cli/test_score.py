"""``advocates score``: a published run and its rejects, or a message and nothing published."""

from __future__ import annotations

import csv
import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.helpers import CliScored, advocates, error_of
from tests.helpers import END

pytestmark = pytest.mark.slow


def test_score_publishes_a_run_and_reports_every_broken_row(cli_scored: CliScored) -> None:
    scored = cli_scored.scored
    assert "published run:" in scored.stdout and "seconds per stage:" in scored.stdout
    rejects_files = list((cli_scored.folder / "rejects").glob("*.csv"))
    with open(rejects_files[0], encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    broken = sum(t["broken"] for t in cli_scored.manifest["tables"].values())
    assert len(rejects) >= broken  # every broken row is reported (plus rows that pointed at them)
    assert all(r["file"] and r["row"] and r["reason"] for r in rejects)


def empty_orders(folder: Path) -> None:
    (folder / "orders.csv").write_text("")


def orders_without_columns(folder: Path) -> None:
    (folder / "orders.csv").write_text("order_id,customer_id\no1,c1\n")


def no_customers(folder: Path) -> None:
    (folder / "orders.csv").unlink()
    (folder / "customers.csv").unlink()


def no_folder(folder: Path) -> None:
    shutil.rmtree(folder)


def intact(folder: Path) -> None:
    pass


def truncated_orders(folder: Path) -> None:
    """A compressed file that a copy or download cut short."""
    text = (folder / "orders.csv").read_bytes()
    (folder / "orders.csv").unlink()
    (folder / "orders.csv.gz").write_bytes(gzip.compress(text)[:-100])


def utf16_customers(folder: Path) -> None:
    text = (folder / "customers.csv").read_bytes().decode("utf-8", errors="replace")
    (folder / "customers.csv").write_bytes(text.encode("utf-16"))


def customers_header_only(folder: Path) -> None:
    header = (folder / "customers.csv").read_bytes().splitlines()[0]
    (folder / "customers.csv").write_bytes(header + b"\n")


@pytest.mark.parametrize(
    ("damage", "args", "message"),
    [
        (empty_orders, [], "orders.csv: file is empty"),
        (
            orders_without_columns,
            [],
            "table 'orders' is missing required column(s) ordered_at, amount",
        ),
        (no_customers, [], "the required table 'customers' is missing"),
        (no_folder, [], "does not exist or is not a folder"),
        (intact, ["--as-of", "someday"], "--as-of 'someday' is not an ISO 8601 date"),
        (intact, ["--as-of", ""], "--as-of '' is not an ISO 8601 date"),
        (truncated_orders, ["--as-of", END], "orders.csv.gz: the compressed file is cut short"),
        (utf16_customers, ["--as-of", END], "customers.csv: the file is UTF-16 text"),
        (customers_header_only, ["--as-of", END], "the customers table has no rows to score"),
        (  # historical data scored as of today
            intact,
            [],
            f"the input's newest activity is a review on {END}",
        ),
        (intact, ["--as-of", "2020-01-01"], "no activity on or before the run date 2020-01-01"),
    ],
    ids=[
        "empty-file",
        "missing-columns",
        "missing-table",
        "missing-folder",
        "bad-as-of",
        "empty-as-of",
        "truncated-gzip",
        "utf-16",
        "no-customers",
        "stale-input",
        "input-after-the-date",
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(
    tmp_path: Path,
    demo_dir: Path,
    damage: Callable[[Path], None],
    args: list[str],
    message: str,
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(demo_dir, folder)
    damage(folder)
    assert message in error_of(advocates("score", "--input", folder, *args, cwd=tmp_path))


def test_too_many_rejects_fail_the_run_and_publish_nothing(tmp_path: Path) -> None:
    made = advocates(
        "demo-data", "--out", tmp_path / "in", "--customers", "300", "--broken-rows", "0.2",
        "--end", END,
        cwd=tmp_path,
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    message = error_of(advocates("score", "--input", tmp_path / "in", "--as-of", END, cwd=tmp_path))
    assert (
        "rejected rows pass the allowed share of 5.0%" in message
        and "Nothing was published" in message
    )
    assert list((tmp_path / "rejects").glob("*.csv"))  # the reasons are still there to fix the data
    assert "has no published run yet" in error_of(
        advocates("shortlist", "--objective", "awareness", cwd=tmp_path)
    )


def test_an_empty_optional_table_scores_like_a_missing_one_and_as_of_latest_dates_the_run(
    tmp_path: Path, demo_dir: Path
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(demo_dir, folder)
    header = (folder / "orders.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "orders.csv").write_text(header + "\n", encoding="utf-8")
    done = advocates("score", "--input", folder, "--as-of", "latest", cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert "table 'orders' has no rows: no purchase features" in " ".join(done.stderr.split())
    runs = advocates("runs", cwd=tmp_path)
    assert f"published │ {END}T00:00:00+00:00" in runs.stdout  # the newest activity, not now


def test_the_next_run_says_it_reused_the_models_and_full_fits_them_again(
    tmp_path: Path, demo_dir: Path
) -> None:
    def score(*extra: str) -> str:
        done = advocates("score", "--input", demo_dir, "--as-of", END, *extra, cwd=tmp_path)
        assert done.exit_code == 0, done.stderr
        return " ".join(done.stdout.split())

    first = score()
    assert "'fitted_this_run': True" in first and "reused version" not in first
    again = score()
    for model in ("sentiment", "customer value", "propensity", "uplift"):
        assert f"{model} model: reused version" in again
    assert "(the data it learnt from changed by 0.0%" in again
    assert "0 mentions scored" in again and "kept their score" in again
    full = score("--full")
    assert "'fitted_this_run': True" in full and "reused version" not in full
