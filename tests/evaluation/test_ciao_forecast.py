"""The conversion ranking on the real Ciao data: the learned peer-conversion model is chosen on the
run's own time split and forecasts the next year's peer adoptions (issue 10's bar: NDCG@100 >= 0.71
at the 2008 cutoff). Skipped where ../shared/datasets is absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advocates.data.io import read_raw_table
from advocates.data.validation import validate_tables
from advocates.evaluation.ciao import ciao_tables, import_ciao, read_ciao
from advocates.models.conversion import ranking_metrics
from advocates.pipeline import ScoringParams, score_tables
from tests.helpers import DATASETS

CIAO = DATASETS / "ciao_tang"


@pytest.mark.slow
@pytest.mark.skipif(not CIAO.is_dir(), reason="../shared/datasets/ciao_tang not present")
def test_the_learned_model_is_chosen_and_ranks_the_next_years_peer_adoptions(
    tmp_path: Path,
) -> None:
    cutoff, end = pd.Timestamp("2008-01-01", tz="UTC"), pd.Timestamp("2009-01-01", tz="UTC")
    counts = import_ciao(CIAO, tmp_path, until=cutoff)
    results = validate_tables({n: read_raw_table(n, tmp_path / f"{n}.csv") for n in counts})
    result = score_tables(
        {name: r.frame for name, r in results.items()},
        params=ScoringParams(as_of=cutoff, recent_window_days=365),
    )
    chosen = result.report["conversion_model"]
    assert chosen["used"] == "learned model"  # type: ignore[index]
    scored = result.scores.set_index("customer_id").sort_index()

    raw = read_ciao(CIAO)
    adoptions = ciao_tables(raw["ratings"], raw["trust"], raw["categories"], until=end)["referrals"]
    future = adoptions[adoptions["converted_at"] >= cutoff].groupby("referrer_customer_id").size()
    outcome = future.reindex(scored.index, fill_value=0).to_numpy(dtype=float)
    figures = ranking_metrics(scored["conversion_score"].to_numpy(dtype=float), outcome)
    assert figures["ndcg_at_100"] >= 0.71  # measured 0.753 (README: Measured on real data)
    followers = ranking_metrics(scored["audience_size"].to_numpy(dtype=float), outcome)
    assert figures["ndcg_at_100"] > followers["ndcg_at_100"] + 0.3
    assert np.isfinite(scored["conversion_score"]).all()
