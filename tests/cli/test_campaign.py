"""``advocates campaign plan``: a plan on the latest run, or a message."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from advocates.campaigns.plan import PLAN_COLUMNS
from tests.cli.helpers import CliScored, advocates, copy_store, error_of
from tests.helpers import CATALOGUE


@pytest.mark.slow  # over the session's folder the CLI scored
def test_campaign_plan_from_the_command_line(cli_scored: CliScored, tmp_path: Path) -> None:
    copy_store(cli_scored.folder / "store.db", tmp_path / "store.db")  # the plan is stored in it
    CATALOGUE.to_csv(tmp_path / "catalogue.csv", index=False)
    done = advocates(
        "campaign", "plan", "--objective", "conversion", "--budget", "300", "--catalogue",
        tmp_path / "catalogue.csv", "--advocates", "40", "--out", tmp_path / "plan.csv", cwd=tmp_path,
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    with open(tmp_path / "plan.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40 and sum(r["arm"] == "holdout" for r in rows) == 4
    assert list(rows[0]) == PLAN_COLUMNS
    by_id = CATALOGUE.set_index("incentive_id")
    treated = [r for r in rows if r["arm"] in by_id.index]
    assert treated and all(r["disclosure"] == "" for r in rows if r not in treated)
    for row in treated:  # the demo's customers write in English, French or Romanian
        column = f"disclosure_{row['language']}"
        text = by_id.at[row["arm"], column if column in by_id.columns else "disclosure_en"]
        assert row["disclosure"] == text
    assert sum(float(r["expected_cost"]) for r in rows) <= 300
    assert "budget_left" not in done.stdout and "expected cost" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--objective", "fame"], "unknown objective 'fame'"),
        (["--catalogue", "nowhere.csv"], "nowhere.csv: no such file"),
        (["--catalogue", "bad.csv"], "row 2, column 'currency': unknown currency 'XXX'"),
        (
            ["--catalogue", "big.csv"],
            "big.csv: the catalogue has 301 incentives, more than the 300",
        ),
        (  # the bound is a setting
            ["ADVOCATES_MAX_CATALOGUE_INCENTIVES", "2"],
            "catalogue.csv: the catalogue has 3 incentives, more than the 2",
        ),
        ([], "has no published run yet"),
    ],
    ids=[
        "bad-objective",
        "missing-catalogue",
        "bad-catalogue",
        "big-catalogue",
        "catalogue-over-the-setting",
        "no-published-run",
    ],
)
def test_campaign_plan_refuses_with_a_message(
    tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if args and args[0].startswith("ADVOCATES_"):
        monkeypatch.setenv(args[0], args[1])
        args = []
    CATALOGUE.to_csv(tmp_path / "catalogue.csv", index=False)
    CATALOGUE.assign(currency="XXX").to_csv(tmp_path / "bad.csv", index=False)
    big = CATALOGUE.iloc[[k % 3 for k in range(301)]]
    big.assign(incentive_id=[f"i{k}" for k in range(301)]).to_csv(tmp_path / "big.csv", index=False)
    options = {"--objective": "conversion", "--budget": "1", "--catalogue": "catalogue.csv"}
    options.update(zip(args[::2], args[1::2], strict=True))
    plan = advocates(
        "campaign", "plan", *[part for pair in options.items() for part in pair], cwd=tmp_path
    )
    assert message in error_of(plan)
