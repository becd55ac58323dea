"""Influence spread under the independent-cascade model: reverse-influence sampling (RIS).

In the independent-cascade (IC) model a newly activated person activates each member of their
audience once, with the probability of that edge. Under the *weighted cascade* a person ``u``
who follows ``d`` people is activated by each of them with probability ``1 / d``.

RIS (Borgs et al. 2014; Tang et al. 2014): draw a random person, walk the edges *backwards*
keeping each with its probability, and record everyone who reached them: a reverse-reachable (RR)
set. A seed set's expected spread is n × the share of RR sets it touches, so choosing seeds is a
maximum-coverage problem over RR sets, solved greedily by :func:`advocates.campaigns.selection.celf` within
1 − 1/e − ε of the best spread (ε shrinks as more sets are drawn).

:func:`simulate_spread` is an independent forward Monte-Carlo simulator, used to check any seed
set under the same model.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from advocates.campaigns.selection import Pick, celf
from advocates.data.membership import distinct

__all__ = ["ris_select", "rr_sets", "simulate_spread", "weighted_cascade"]


def _live_reach(
    matrix: sp.csr_matrix,
    start: np.ndarray,
    mark: np.ndarray,
    stamp: int,
    rng: np.random.Generator,
) -> list[int]:
    """Everyone reached from ``start`` along the rows of ``matrix``, each edge kept with its
    probability (one draw of the cascade); ``mark`` holds ``stamp`` for people already reached."""
    found_all: list[int] = []
    frontier = start
    while len(frontier):
        starts, ends = matrix.indptr[frontier], matrix.indptr[frontier + 1]
        idx = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        if not len(idx):
            break
        live = idx[rng.random(len(idx)) < matrix.data[idx]]
        found = distinct(matrix.indices[live])
        found = found[mark[found] != stamp]
        mark[found] = stamp
        found_all.extend(found.tolist())
        frontier = found
    return found_all


def weighted_cascade(audience: sp.csr_matrix) -> sp.csr_matrix:
    """Edge probabilities ``P[v, u] = 1 / (number of people u follows)`` for u in v's audience."""
    a = sp.csr_matrix(audience, dtype=float)
    follows = np.asarray(a.sum(axis=0)).ravel()
    a = a.tocoo()
    return sp.csr_matrix((1.0 / follows[a.col], (a.row, a.col)), shape=a.shape)


def rr_sets(
    prob: sp.csr_matrix, n_sets: int, *, seed: int = 0, chunk_cells: int = 40_000_000
) -> sp.csr_matrix:
    """``n_sets`` reverse-reachable sets as a sparse people × sets incidence matrix.

    Sets grow together, one breadth-first level at a time, in chunks small enough for a
    sets × people "already in this set" table of ``chunk_cells`` booleans, so the work is in numpy
    rather than in a Python loop per set.
    """
    rng = np.random.default_rng(seed)
    reverse = prob.T.tocsr()  # row u: the people whose audience u is in, with probabilities
    n = prob.shape[0]
    chunk = max(1, min(n_sets, chunk_cells // max(n, 1)))
    found_sets: list[np.ndarray] = []
    found_people: list[np.ndarray] = []
    inside = np.zeros((chunk, n), dtype=bool)
    for offset in range(0, n_sets, chunk):
        size = min(chunk, n_sets - offset)
        inside[:size] = False
        sets = np.arange(size, dtype=np.int64)
        people = rng.integers(n, size=size).astype(np.int64)
        inside[sets, people] = True
        while len(people):
            found_sets.append(sets + offset)
            found_people.append(people)
            starts = reverse.indptr[people]
            counts = reverse.indptr[people + 1] - starts
            total = int(counts.sum())
            if total == 0:
                break
            first = np.repeat(np.cumsum(counts) - counts, counts)
            edge = np.repeat(starts, counts) + (np.arange(total) - first)
            live = rng.random(total) < reverse.data[edge]
            sets = np.repeat(sets, counts)[live]
            people = reverse.indices[edge[live]].astype(np.int64)
            new = ~inside[sets, people]
            sets, people = sets[new], people[new]
            keys = distinct(sets * n + people)  # one person reached twice in a level counts once
            sets, people = keys // n, keys % n
            inside[sets, people] = True
    r, c = np.concatenate(found_people), np.concatenate(found_sets)
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n_sets))


def ris_select(prob: sp.csr_matrix, k: int, *, n_sets: int = 200_000, seed: int = 0) -> list[Pick]:
    """Choose ``k`` seeds for the largest expected IC spread; gains are in people (n × share)."""
    cover = rr_sets(prob, n_sets, seed=seed)
    scale = prob.shape[0] / n_sets
    return [
        Pick(candidate=p.candidate, gain=p.gain * scale, total=p.total * scale)
        for p in celf(cover, p=np.ones(cover.shape[0]), k=k)
    ]


def simulate_spread(
    prob: sp.csr_matrix, seeds: np.ndarray, *, runs: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """Mean and standard error of the number of people activated by ``seeds`` (forward IC)."""
    rng = np.random.default_rng(seed)
    n = prob.shape[0]
    sizes = np.empty(runs)
    active = np.zeros(n, dtype=np.int64) - 1
    seeds = distinct(np.asarray(seeds, dtype=np.int64))
    for run in range(runs):
        active[seeds] = run
        count = len(seeds) + len(_live_reach(prob, seeds, active, run, rng))
        sizes[run] = count
    return float(sizes.mean()), float(sizes.std(ddof=1) / np.sqrt(runs)) if runs > 1 else 0.0
