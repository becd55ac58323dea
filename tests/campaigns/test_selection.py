"""Selection with diminishing returns (CELF) on small constructed graphs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from advocates.campaigns.selection import celf, expected_value


def cover_of(audiences: list[list[int]], people: int) -> sp.csr_matrix:
    rows = [i for i, members in enumerate(audiences) for _ in members]
    cols = [m for members in audiences for m in members]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(audiences), people))


def test_selection_beats_plain_top_k_when_audiences_overlap() -> None:
    # Three big accounts share one audience of 100; two smaller ones each reach 60 new people.
    shared = list(range(100))
    audiences = [shared, shared[:95], shared[:90], list(range(100, 160)), list(range(160, 220))]
    cover = cover_of(audiences, 220)
    p = np.ones(5)
    top_k = np.argsort(-np.asarray(cover.sum(axis=1)).ravel(), kind="stable")[:3]
    picks = celf(cover, p=p, k=3)
    assert [pick.candidate for pick in picks] == [0, 3, 4]
    assert picks[-1].total == expected_value(cover, [0, 3, 4], p=p) == 220
    assert expected_value(cover, top_k, p=p) == 100
    assert [pick.gain for pick in picks] == [100, 60, 60]


def test_lazy_greedy_equals_plain_greedy_and_gains_shrink() -> None:
    rng = np.random.default_rng(0)
    cover = sp.random(60, 400, density=0.05, random_state=1, format="csr")
    cover.data[:] = 1.0
    p = rng.uniform(0.05, 0.9, 60)
    w = rng.uniform(0.5, 2.0, 400)
    picks = celf(cover, p=p, k=12, weights=w)
    chosen: list[int] = []
    for _ in range(12):  # plain greedy: evaluate every candidate every round
        rest = [i for i in range(60) if i not in chosen]
        gains = [expected_value(cover, [*chosen, i], p=p, weights=w) for i in rest]
        chosen.append(rest[int(np.argmax(gains))])
    assert [pick.candidate for pick in picks] == chosen
    gains = [pick.gain for pick in picks]
    assert gains == sorted(gains, reverse=True)
    assert picks[-1].total == pytest.approx(expected_value(cover, chosen, p=p, weights=w))


def test_greedy_is_within_its_guarantee_of_the_best_set() -> None:
    rng = np.random.default_rng(3)
    cover = sp.random(12, 50, density=0.2, random_state=4, format="csr")
    cover.data[:] = 1.0
    p = rng.uniform(0.2, 1.0, 12)
    best = max(expected_value(cover, list(s), p=p) for s in itertools.combinations(range(12), 3))
    assert celf(cover, p=p, k=3)[-1].total >= (1 - 1 / np.e) * best


def test_stops_when_nobody_adds_anything() -> None:
    cover = cover_of([[0, 1], [0, 1], []], 2)
    assert [pick.candidate for pick in celf(cover, p=np.ones(3), k=3)] == [0]


def test_budgeted_selection_never_overspends_and_matches_cardinality_at_unit_cost() -> None:
    cover = sp.random(40, 300, density=0.05, random_state=5, format="csr")
    cover.data[:] = 1.0
    p = np.random.default_rng(6).uniform(0.1, 0.9, 40)
    unit = celf(cover, p=p, k=40, costs=np.ones(40), budget=7)
    assert [x.candidate for x in unit] == [x.candidate for x in celf(cover, p=p, k=7)]
    costs = np.random.default_rng(7).uniform(1, 10, 40)
    picks = celf(cover, p=p, k=40, costs=costs, budget=20.0)
    assert costs[[x.candidate for x in picks]].sum() <= 20.0
    assert picks[-1].total == pytest.approx(
        expected_value(cover, [x.candidate for x in picks], p=p)
    )


def test_budgeted_selection_prefers_many_cheap_audiences_to_one_dear_one() -> None:
    # One account reaches 100 people for 100; ten accounts reach 20 new people each for 10.
    audiences = [list(range(100))] + [list(range(100 + 20 * i, 120 + 20 * i)) for i in range(10)]
    cover = cover_of(audiences, 300)
    costs = np.array([100.0] + [10.0] * 10)
    picks = celf(cover, p=np.ones(11), k=11, costs=costs, budget=100.0)
    assert sorted(x.candidate for x in picks) == list(range(1, 11))
    assert picks[-1].total == 200


def test_candidates_beyond_the_first_sorted_ones_are_reached_when_the_best_overlap() -> None:
    # 4,100 accounts share one audience of 100 (only the first of them adds anything), then
    # 100 small accounts reach 10 people each: CELF first sorts only the best few thousand
    # bounds, and must still reach the small accounts once the shared ones are spent.
    shared = [list(range(100))] * 4100
    small = [list(range(100 + 10 * j, 110 + 10 * j)) for j in range(100)]
    cover = cover_of(shared + small, 1100)
    picks = celf(cover, p=np.ones(4200), k=3)
    assert [(pick.candidate, pick.gain) for pick in picks] == [(0, 100), (4100, 10), (4101, 10)]


def test_once_the_budget_is_spent_the_rest_are_left_out_together() -> None:
    # 2,000 candidates with one person each, worth less and less; each costs 1 and the budget
    # is 10: the ten best, and every other one left out (in batches, not one by one).
    n = 2000
    cover = cover_of([[i] for i in range(n)], n)
    p = np.linspace(1.0, 0.1, n)
    picks = celf(cover, p=p, k=n, costs=np.ones(n), budget=10.0)
    assert [pick.candidate for pick in picks] == list(range(10))
    assert picks[-1].total == pytest.approx(p[:10].sum())
