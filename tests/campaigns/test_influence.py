"""Reverse-influence sampling against the forward simulator on small graphs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from advocates.campaigns.influence import ris_select, rr_sets, simulate_spread, weighted_cascade


def star_and_chain() -> sp.csr_matrix:
    """Node 0's audience is 1..20; node 21's audience is 22; 22's is 23."""
    rows = [0] * 20 + [21, 22]
    cols = [*range(1, 21), 22, 23]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(24, 24))


def test_weighted_cascade_divides_by_how_many_people_one_follows() -> None:
    audience = sp.csr_matrix(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=float))
    prob = weighted_cascade(audience).toarray()
    assert prob[0, 1] == 1.0 and prob[0, 2] == 0.5 and prob[1, 2] == 0.5


def test_ris_estimate_agrees_with_forward_simulation() -> None:
    rng = np.random.default_rng(0)
    audience = sp.random(300, 300, density=0.02, random_state=1, format="csr")
    audience.data[:] = 1.0
    audience.setdiag(0)
    audience.eliminate_zeros()
    prob = sp.csr_matrix(audience * 0.15)
    picks = ris_select(prob, 5, n_sets=40_000, seed=2)
    mean, se = simulate_spread(prob, np.array([p.candidate for p in picks]), runs=3000, seed=3)
    assert picks[-1].total == pytest.approx(mean, rel=0.05)
    random_seeds = rng.choice(300, 5, replace=False)
    assert mean > simulate_spread(prob, random_seeds, runs=3000, seed=3)[0]
    assert se > 0


def test_ris_picks_the_hub_then_the_chain() -> None:
    prob = weighted_cascade(star_and_chain())
    picks = ris_select(prob, 2, n_sets=20_000, seed=0)
    assert [p.candidate for p in picks] == [0, 21]
    assert picks[0].gain == pytest.approx(21, rel=0.05)
    cover = rr_sets(prob, 100, seed=1)
    assert cover.shape == (24, 100) and (np.asarray(cover.sum(axis=0)) >= 1).all()
