"""Benchmark: choosing 50 advocates on the Epinions trust graph under the independent cascade.

Usage: python bench/bench_selection.py [--k 50] [--rr-sets 200000] [--pool 200] [--mc-runs 200]

A trustee's audience is its trusters; edge probabilities follow the weighted cascade (a person
who trusts d people is activated by each with probability 1/d). Compared, for k seeds:

* the product: reverse-influence sampling + lazy greedy (:func:`advocates.campaigns.influence.ris_select`);
* Monte-Carlo greedy: lazy greedy (CELF) where each spread is the mean of ``--mc-runs`` forward
  simulations, over the ``--pool`` people with the largest audiences (greedy over all 18,000
  nodes would take days); its time is measured the same way;
* the top k by audience size (degree) and by PageRank.

Every seed set is then scored by the same independent forward simulator (10,000 runs, its own
random seed). Prints one JSON object; asserts nothing.
"""

from __future__ import annotations

import argparse
import heapq
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from advocates.campaigns.influence import ris_select, simulate_spread, weighted_cascade
from advocates.features.graph import build_audience_graph, pagerank


def mc_greedy(prob, candidates: np.ndarray, k: int, runs: int) -> list[int]:  # type: ignore[no-untyped-def]
    """CELF with Monte-Carlo spread estimates (the classic baseline, Kempe et al. 2003)."""
    chosen: list[int] = []
    current = 0.0
    queue = [
        (-simulate_spread(prob, np.array([c]), runs=runs, seed=1)[0], int(c), 0) for c in candidates
    ]
    heapq.heapify(queue)
    while queue and len(chosen) < k:
        gain, c, at = heapq.heappop(queue)
        if at != len(chosen):
            spread = simulate_spread(prob, np.array([*chosen, c]), runs=runs, seed=1)[0]
            heapq.heappush(queue, (-(spread - current), c, len(chosen)))
            continue
        chosen.append(c)
        current += -gain
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    root = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "epinions_tang"
    parser.add_argument("--epinions", type=Path, default=root)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--rr-sets", type=int, default=200_000)
    parser.add_argument("--pool", type=int, default=200)
    parser.add_argument("--mc-runs", type=int, default=200)
    parser.add_argument("--eval-runs", type=int, default=10_000)
    parser.add_argument(
        "--model",
        choices=["weighted-cascade", "uniform"],
        default="weighted-cascade",
        help="Edge probabilities: 1/(people followed), or --p on every edge.",
    )
    parser.add_argument("--p", type=float, default=0.01)
    args = parser.parse_args()

    trust = pd.read_csv(args.epinions / "trust.csv.gz").astype(str)
    edges = pd.DataFrame(
        {
            "network": "epinions",
            "source": trust["truster_id"],
            "target": trust["trustee_id"],
            "kind": "follows",
        }
    )
    graph = build_audience_graph(edges)
    prob = (
        weighted_cascade(graph.audience)
        if args.model == "weighted-cascade"
        else (graph.audience * args.p).tocsr()
    )
    degree = graph.audience_size

    started = time.perf_counter()
    product = [p.candidate for p in ris_select(prob, args.k, n_sets=args.rr_sets, seed=0)]
    product_seconds = time.perf_counter() - started

    pool = np.argsort(-degree, kind="stable")[: args.pool]
    started = time.perf_counter()
    greedy = mc_greedy(prob, pool, args.k, args.mc_runs)
    greedy_seconds = time.perf_counter() - started

    choices = {
        "product (RIS + lazy greedy)": product,
        "Monte-Carlo greedy": greedy,
        "top by degree": list(np.argsort(-degree, kind="stable")[: args.k]),
        "top by PageRank": list(np.argsort(-pagerank(graph), kind="stable")[: args.k]),
    }
    spreads = {
        name: simulate_spread(prob, np.array(seeds), runs=args.eval_runs, seed=12345)
        for name, seeds in choices.items()
    }
    reference = spreads["Monte-Carlo greedy"][0]
    print(
        json.dumps(
            {
                "nodes": int(prob.shape[0]),
                "edges": int(prob.nnz),
                "model": args.model if args.model != "uniform" else f"uniform p={args.p}",
                "k": args.k,
                "rr_sets": args.rr_sets,
                "mc_pool": args.pool,
                "mc_runs": args.mc_runs,
                "eval_runs": args.eval_runs,
                "seconds": {
                    "product": round(product_seconds, 1),
                    "Monte-Carlo greedy": round(greedy_seconds, 1),
                },
                "speedup": round(greedy_seconds / product_seconds, 1),
                "spread": {
                    name: {
                        "mean": round(mean, 1),
                        "stderr": round(se, 1),
                        "share_of_greedy": round(mean / reference, 4),
                    }
                    for name, (mean, se) in spreads.items()
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
