"""Benchmark: does the conversion ranking forecast who will influence peers, on real data?

Usage: python bench/bench_ciao.py [--cutoff 2008-01-01] [--end 2009-01-01] [--top 100]

Imports Ciao (``../shared/datasets/ciao_tang``) with every rating before ``--cutoff``, scores it
as of the cutoff exactly as ``advocates score`` does (recent window 365 days: Ciao users rate a
few products a year), then counts each user's *future peer adoptions*: cases in
[cutoff, end) of someone who trusts them rating a product after they did. It compares rankings by
NDCG@top, Spearman and the share of all future peer adoptions that the top 1% and the top users
account for:

* the product's conversion score (all users, and the eligible ones only), which says whether it
  came from the learned peer-conversion model or the hand-set formula,
* the hand-set formula (p_share × conversion influence × recent outreach),
* follower count (how many people trust the user),
* activity (ratings before the cutoff; and in the last 365 days),
* past peer adoptions (converted referrals before the cutoff).

Prints one JSON object; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advocates.data.io import read_raw_table, write_table
from advocates.data.validation import validate_tables
from advocates.evaluation.ciao import ciao_tables, read_ciao
from advocates.models.conversion import formula_converted_peers, ranking_metrics
from advocates.pipeline import ScoringParams, score_tables


def evaluate_ranking(score: pd.Series, future: pd.Series, k: int) -> dict[str, float]:
    """Rank by ``score`` (ties by id): NDCG@k, Spearman, the share of future adoptions the top
    1% account for (:func:`ranking_metrics`) and the share the top k account for."""
    frame = pd.DataFrame({"score": score, "future": future.reindex(score.index).fillna(0.0)})
    frame = frame.sort_index()
    scores, gains = frame["score"].to_numpy(dtype=float), frame["future"].to_numpy(dtype=float)
    top = gains[np.argsort(-scores, kind="stable")][:k].sum()
    return {
        **ranking_metrics(scores, gains, k=k),
        f"share_captured_top_{k}": round(float(top / gains.sum()), 4) if gains.sum() else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    root = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ciao_tang"
    parser.add_argument("--ciao", type=Path, default=root)
    parser.add_argument("--cutoff", default="2008-01-01")
    parser.add_argument("--end", default="2009-01-01")
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/advocates-ciao"))
    args = parser.parse_args()
    cutoff = pd.Timestamp(args.cutoff, tz="UTC")
    end = pd.Timestamp(args.end, tz="UTC")

    started = time.perf_counter()
    raw = read_ciao(args.ciao)
    tables = ciao_tables(raw["ratings"], raw["trust"], raw["categories"], until=cutoff)
    for name, frame in tables.items():
        write_table(frame, args.workdir / f"{name}.csv")
    results = validate_tables(
        {name: read_raw_table(name, args.workdir / f"{name}.csv") for name in tables}
    )
    result = score_tables(
        {name: r.frame for name, r in results.items()},
        params=ScoringParams(as_of=cutoff, recent_window_days=365),
    )
    scored = result.scores.set_index("customer_id")
    model: dict[str, Any] = result.report["conversion_model"]  # type: ignore[assignment]
    propensity: dict[str, Any] = result.report["propensity_model"]  # type: ignore[assignment]
    seconds = time.perf_counter() - started

    # The future: every rating before --end, adoptions whose adopter rated in [cutoff, end).
    everything = ciao_tables(raw["ratings"], raw["trust"], raw["categories"], until=end)
    adoptions = everything["referrals"]
    adoptions = adoptions[adoptions["converted_at"] >= cutoff]
    future = adoptions.groupby("referrer_customer_id").size().astype(float)

    orders = tables["orders"]
    recent_orders = orders[orders["ordered_at"] >= cutoff - pd.Timedelta(days=365)]
    formula = scored["p_share"] * pd.Series(formula_converted_peers(scored), index=scored.index)
    rankings = {
        f"conversion score: {model['used']} (all users)": scored["conversion_score"],
        f"conversion score: {model['used']} (eligible only)": scored["conversion_score"].where(
            scored["eligible"], -1.0
        ),
        "hand-set formula (all users)": formula,
        "follower count": scored["audience_size"],
        "activity: ratings before cutoff": scored["orders_completed"],
        "activity: ratings in the last 365 days": recent_orders.groupby("customer_id")
        .size()
        .reindex(scored.index, fill_value=0)
        .astype(float),
        "past peer adoptions": scored["invites_converted"],
    }
    print(
        json.dumps(
            {
                "cutoff": args.cutoff,
                "end": args.end,
                "users": len(scored),
                "future_peer_adoptions": int(future.sum()),
                "users_with_future_adoptions": int((future > 0).sum()),
                "import_and_score_seconds": round(seconds, 1),
                "conversion_model": {
                    k: model.get(k) for k in ("used", "converters", "n_fit", "validation")
                },
                "propensity_model": {
                    k: propensity.get(k)
                    for k in ("n_test", "roc_auc", "pr_auc", "brier", "precision_at_k", "baselines")
                },
                "rankings": {
                    name: evaluate_ranking(score, future, args.top)
                    for name, score in rankings.items()
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
