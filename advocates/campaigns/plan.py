"""Campaign plans: guardrails, overlap-aware selection, a holdout, and incentives under a budget.

:func:`plan_campaign` is pure: a run's eligible customers, their audiences and a catalogue in; the
assignments and the plan's totals out. What does not depend on the campaign (step 1 and the
audiences as a matrix) is a :class:`Pool`, which :func:`plan_on_latest` keeps per run and store
version, so that a plan on a big run takes tens of milliseconds. The steps:

1. **Guardrails.** Only customers the run found eligible (marketing consent, no do-not-contact,
   sentiment at or above the gate) are considered; of those, detractors, customers flagged for
   referral fraud and customers at their contact cap are left out, each counted with the reason.
2. **Selection.** ``advocates`` customers chosen by CELF (:mod:`advocates.campaigns.selection`) for the
   objective's expected value over overlapping audiences: unique people reached (awareness), or
   reached and engaging (engagement), or the value of converted peers (conversion). Without a
   number of advocates, as many as the budget affords, each costing the expected cost of their
   best incentive (budgeted CELF).
3. **Holdout.** A seeded random ``holdout`` share of the selected advocates is kept untreated, so
   that lift can be measured later; the same seed gives the same holdout.
4. **Incentives.** For the others, one incentive (or none) each, maximising the expected
   incremental value with the expected cost within the budget (:mod:`advocates.campaigns.incentives`). An
   incentive whose expected cost for an advocate passes the value it adds is not offered.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from advocates.campaigns.incentives import (
    Assignment,
    assign_incentives,
    disclosures,
    expected_responses,
)
from advocates.campaigns.selection import Pick, celf
from advocates.data.membership import positions
from advocates.errors import ConfigurationError, InputError, RunChangedError
from advocates.ranking.objectives import check_objective
from advocates.store import PlanInfo, Store

__all__ = [
    "MAX_BUDGET",
    "MAX_SEED",
    "PLAN_COLUMNS",
    "CampaignRequest",
    "Plan",
    "Pool",
    "candidate_pool",
    "kept_pool",
    "plan_and_store",
    "plan_assignments",
    "plan_campaign",
    "plan_from_pool",
    "plan_on_latest",
    "spend_by_incentive",
]


#: The largest budget a plan accepts, in any currency (larger is a typo, not a campaign).
MAX_BUDGET = 1_000_000_000.0
#: Seeds are those numpy's random generator takes: whole numbers from 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class CampaignRequest:
    """What a campaign asks for; checked once, when it is made, so a request that exists is
    valid."""

    objective: str
    budget: float
    advocates: int | None = 100
    holdout: float = 0.1
    seed: int = 0
    contact_cap: int = 2

    def __post_init__(self) -> None:
        check_objective(self.objective)
        if not 0 <= self.budget <= MAX_BUDGET:  # also refuses NaN and infinity
            raise ConfigurationError(
                f"the budget must be a number from 0 to {MAX_BUDGET:,.0f}, got {self.budget}"
            )
        if not 0 <= self.seed <= MAX_SEED:
            raise ConfigurationError(
                f"the seed must be a whole number from 0 to {MAX_SEED}, got {self.seed}"
            )
        if self.advocates is not None and self.advocates < 1:
            raise ConfigurationError(f"advocates must be at least 1, got {self.advocates}")
        if not 0 <= self.holdout < 1:
            raise ConfigurationError(
                f"holdout must be a share from 0 to below 1, got {self.holdout}"
            )


@dataclass(frozen=True)
class Plan:
    assignments: pd.DataFrame
    totals: dict[str, object]
    excluded: pd.DataFrame


PLAN_COLUMNS = [
    "customer_id",
    "arm",
    "language",
    "disclosure",
    "marginal_reach",
    "expected_conversions",
    "expected_incremental_value",
    "expected_cost",
]


def _guardrails(eligible: pd.DataFrame, contact_cap: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    reason = pd.Series(None, index=eligible.index, dtype=object)
    checks = [
        (eligible["rank_detractor"].notna(), "detractor"),
        (eligible["fraud_flag"].notna(), "referral fraud: " + eligible["fraud_flag"].astype(str)),
        (eligible["contacts_recent"] >= contact_cap, "contact cap reached"),
    ]
    for mask, why in checks:
        hit = mask.to_numpy(dtype=bool) & reason.isna().to_numpy()
        reason[hit] = why[hit] if isinstance(why, pd.Series) else why
    excluded = pd.DataFrame(
        {"customer_id": eligible["customer_id"][reason.notna()], "reason": reason[reason.notna()]}
    )
    return eligible[reason.isna()], excluded.reset_index(drop=True)


def _cover(candidates: pd.DataFrame, audience: pd.DataFrame) -> sp.csr_matrix:
    """Candidate × audience member, 1 where the member is in the candidate's audience. The
    pairs' customer ids are matched once per distinct customer (they are categorical in a run's
    files), not once per pair, by Arrow's hash lookup (0.38 s through ``Index.get_indexer`` at
    1,000,000 customers, 0.11 s so)."""
    owners = pd.Categorical(audience["customer_id"])
    row_of = positions(pd.Series(owners.categories), candidates["customer_id"])
    rows = np.append(row_of, -1)[owners.codes]  # (code -1, a missing id: no row)
    keep = rows >= 0
    cols, members = pd.factorize(audience["member"].to_numpy()[keep])
    return sp.csr_matrix(
        (np.ones(int(keep.sum())), (rows[keep], cols)),
        shape=(len(candidates), max(len(members), 1)),
    )


@dataclass(frozen=True)
class Pool:
    """What planning on a run needs that no campaign changes, made once per run (and contact
    cap): the candidates the guardrails leave, sorted by customer id, with the columns a plan
    reads; those the guardrails exclude, with the reason; the candidates' audiences as a
    candidates × people matrix; and the incentive priors' strengths: each candidate's engagement
    rate as a percentile among them (tie strength) and their mean sentiment from 0 to 1 (brand
    strength)."""

    candidates: pd.DataFrame
    excluded: pd.DataFrame
    cover: sp.csr_matrix
    tie_strength: np.ndarray
    brand_strength: float


#: The candidates' columns a plan reads (with the uplift model's ``lift_*``).
_PLANNED = (
    "customer_id",
    "language",
    "sentiment",
    "p_share",
    "engagement_rate",
    "expected_converted_peers",
    "value_per_conversion",
)


def candidate_pool(eligible: pd.DataFrame, audience: pd.DataFrame, *, contact_cap: int) -> Pool:
    """The :class:`Pool` of a run's eligible customers and their audiences."""
    candidates, excluded = _guardrails(eligible.reset_index(drop=True), contact_cap)
    if candidates.empty:
        raise InputError("no customer can be assigned: every eligible customer is excluded")
    kept = [c for c in candidates.columns if c in _PLANNED or str(c).startswith("lift_")]
    candidates = candidates[kept].sort_values("customer_id", kind="stable").reset_index(drop=True)
    candidates["expected_conversions"] = candidates["expected_converted_peers"]
    return Pool(
        candidates=candidates,
        excluded=excluded,
        cover=_cover(candidates, audience),
        tie_strength=candidates["engagement_rate"].rank(pct=True).to_numpy(dtype=float),
        brand_strength=float((candidates["sentiment"].mean() + 1) / 2),
    )


def plan_campaign(
    eligible: pd.DataFrame,
    audience: pd.DataFrame,
    catalogue: pd.DataFrame,
    request: CampaignRequest,
) -> Plan:
    """Plan a campaign from a run's eligible customers (see the module's docstring)."""
    pool = candidate_pool(eligible, audience, contact_cap=request.contact_cap)
    return plan_from_pool(pool, catalogue, request)


def plan_from_pool(pool: Pool, catalogue: pd.DataFrame, request: CampaignRequest) -> Plan:
    """Plan a campaign from a run's :class:`Pool` (:func:`plan_campaign`'s steps 2 to 4)."""
    excluded = pool.excluded
    picked = _select(pool, catalogue, request)
    at = np.array([pick.candidate for pick in picked], dtype=np.int64)
    chosen = pool.candidates.iloc[at].reset_index(drop=True)
    chosen["marginal_reach"] = [pick.gain for pick in picked]
    holdout = _holdout(len(chosen), share=request.holdout, seed=request.seed)
    chosen, assignment, sources = _assign(chosen, at, holdout, pool, catalogue, request.budget)
    totals: dict[str, object] = {
        "objective": request.objective,
        "advocates": len(chosen),
        "holdout": int(holdout.sum()),
        "with_incentive": int((~chosen["arm"].isin(["holdout", "none"])).sum()),
        "expected_reach": round(float(chosen["marginal_reach"].sum()), 2),
        "expected_conversions": round(float(chosen["expected_conversions"].sum()), 2),
        "expected_incremental_value": round(assignment.total_value, 2),
        "expected_cost": round(assignment.total_cost, 2),
        "budget": request.budget,
        "budget_left": round(request.budget - assignment.total_cost, 2),
        "currency": str(catalogue["currency"].iloc[0]),
        "cost_resolution": assignment.unit,
        "response_source": sources,
        "excluded": {str(k): int(v) for k, v in excluded["reason"].value_counts().items()},
        "seed": request.seed,
    }
    if request.objective != "awareness":
        totals["expected_reach_is"] = (
            "expected engaged people" if request.objective == "engagement" else "expected value"
        )
    assignments = chosen[PLAN_COLUMNS].reset_index(drop=True)
    return Plan(assignments=assignments, totals=totals, excluded=excluded)


def _select(pool: Pool, catalogue: pd.DataFrame, request: CampaignRequest) -> list[Pick]:
    """The candidates CELF picks for the objective, in pick order, with each one's marginal gain.

    Per audience member, the chance the advocate reaches them (awareness), engages them
    (engagement) or converts them (conversion, spread so that a lone advocate's expected
    conversions equal the scoring's expected_converted_peers, sharing probability included).
    """
    candidates, cover = pool.candidates, pool.cover
    p_share = candidates["p_share"].to_numpy(dtype=float)
    audience_size = np.maximum(np.diff(cover.indptr), 1)
    converted = candidates["expected_converted_peers"].to_numpy(dtype=float)
    value_per_conversion = float(candidates["value_per_conversion"].iloc[0])
    p, weights = {
        "awareness": (p_share, None),
        "engagement": (p_share * candidates["engagement_rate"].to_numpy(dtype=float), None),
        "conversion": (np.clip(converted / audience_size, 0, 1), value_per_conversion),
    }[request.objective]
    w = None if weights is None else np.full(cover.shape[1], weights)
    if request.advocates is not None:
        return celf(cover, p=p, k=request.advocates, weights=w)
    # As many as the budget affords, each costing their best incentive's expected cost.
    price = _prices(pool, catalogue)
    return celf(cover, p=p, k=len(candidates), weights=w, costs=price, budget=request.budget)


def _prices(pool: Pool, catalogue: pd.DataFrame, *, cells: int = 2_000_000) -> np.ndarray:
    """Each candidate's expected cost of their most valuable incentive (infinite when none is
    worth offering), a block of candidates at a time, so that memory stays within a few arrays of
    ``cells`` numbers whatever the catalogue's size."""
    step = max(1, cells // max(len(catalogue), 1))
    prices = []
    for start in range(0, len(pool.candidates), step):
        block = pool.candidates.iloc[start : start + step]
        at = np.arange(start, start + len(block))
        _, value, cost, _ = _responses(block, at, pool, catalogue)
        rows = np.arange(len(block))
        best = np.where(value > 0, value, -1.0).argmax(axis=1)
        prices.append(np.where(value[rows, best] > 0, cost[rows, best], np.inf))
    return np.concatenate(prices)


def _holdout(n: int, *, share: float, seed: int) -> np.ndarray:
    """A seeded random ``share`` of ``n`` advocates kept untreated (True), to measure lift.

    >>> _holdout(10, share=0.2, seed=0).sum()
    np.int64(2)
    """
    holdout = np.zeros(n, dtype=bool)
    rng = np.random.default_rng(seed)
    holdout[rng.choice(n, size=round(share * n), replace=False)] = True
    return holdout


def _assign(
    chosen: pd.DataFrame,
    at: np.ndarray,
    holdout: np.ndarray,
    pool: Pool,
    catalogue: pd.DataFrame,
    budget: float,
) -> tuple[pd.DataFrame, Assignment, dict[str, str]]:
    """One incentive (or none) per treated advocate (``at``: their rows among the pool's
    candidates) under the budget, with the expected conversions, incremental value and cost,
    and the disclosure in the advocate's language."""
    treated = chosen[~holdout]
    conversions, value, cost, sources = _responses(treated, at[~holdout], pool, catalogue)
    assignment = assign_incentives(value, cost, budget=budget)
    rows = np.arange(len(treated))
    picked = assignment.choice
    has = picked >= 0
    column = np.maximum(picked, 0)
    ids = catalogue["incentive_id"].to_numpy(dtype=object)
    arm = pd.Series("holdout", index=chosen.index, dtype=object)
    arm[~holdout] = np.where(has, ids[column], "none")
    chosen = chosen.assign(arm=arm, expected_incremental_value=0.0, expected_cost=0.0)
    chosen.loc[~holdout, "expected_incremental_value"] = np.where(has, value[rows, column], 0.0)
    chosen.loc[~holdout, "expected_cost"] = np.where(has, cost[rows, column], 0.0)
    chosen.loc[~holdout, "expected_conversions"] = np.where(
        has, conversions[rows, column], treated["expected_conversions"]
    )
    chosen["language"] = chosen.get("language", pd.Series("en", index=chosen.index)).fillna("en")
    chosen["disclosure"] = disclosures(chosen["arm"], chosen["language"], catalogue)
    return chosen, assignment, sources


def _responses(
    advocates: pd.DataFrame, at: np.ndarray, pool: Pool, catalogue: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, str]]:
    """Expected conversions, incremental value and cost per advocate (``at``: their rows among
    the pool's candidates) × incentive, from the uplift model's lifts where the run has them and
    from the priors elsewhere; an incentive that costs more than it brings is worth 0 (never
    offered)."""
    candidates = pool.candidates
    learned = {
        str(c)[len("lift_") :]: advocates[c]
        for c in advocates.columns
        if str(c).startswith("lift_")
    }
    conversions, value, cost = expected_responses(
        advocates,
        catalogue,
        value_per_conversion=float(candidates["value_per_conversion"].iloc[0]),
        lift=pd.DataFrame(learned, index=advocates.index) if learned else None,
        tie_strength=pool.tie_strength[at],
        brand_strength=pool.brand_strength,
    )
    value = np.where(value >= cost, value, 0.0)
    sources = {
        str(i): ("uplift model" if i in learned else "prior") for i in catalogue["incentive_id"]
    }
    return conversions, value, cost, sources


def plan_on_latest(
    store: Store, catalogue: pd.DataFrame, request: CampaignRequest, run_id: str | None = None
) -> tuple[str, Plan]:
    """A campaign planned on the store's latest run (not stored), and that run's id; with
    ``run_id`` (the run a person saw a preview of), RunChangedError if that is no longer the
    latest."""
    run = store.latest_run()
    if run_id is not None and run.run_id != run_id:
        raise RunChangedError(
            f"the preview was planned on run {run_id}, and run {run.run_id} has been published "
            "since: preview again on it before saving"
        )
    return run.run_id, plan_from_pool(
        kept_pool(store, run.run_id, request.contact_cap), catalogue, request
    )


class _KeptPools:
    """The :class:`Pool` of the latest run asked for, per store, run, store version and
    contact cap: made once (0.45 s at 1,000,000 customers; planners asking meanwhile wait for
    it) and kept until another is asked for. A version moves on with a contact block or an
    erasure, which change who may be asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, str, int, int] | None = None
        self._pool: Pool | None = None

    def get(self, store: Store, run_id: str, contact_cap: int) -> Pool:
        key = (store.url, run_id, store.version(), contact_cap)
        with self._lock:
            if self._pool is None or self._key != key:
                self._pool = None  # (the old one is let go before the new one is made)
                self._pool = candidate_pool(
                    store.served(run_id),
                    store.run_table(run_id, "audience"),
                    contact_cap=contact_cap,
                )
                self._key = key
            return self._pool


_POOLS = _KeptPools()


def kept_pool(store: Store, run_id: str, contact_cap: int) -> Pool:
    """The :class:`Pool` of ``run_id`` in ``store``, made once and kept (see :class:`_KeptPools`)."""
    return _POOLS.get(store, run_id, contact_cap)


def plan_and_store(
    store: Store, catalogue: pd.DataFrame, request: CampaignRequest, run_id: str | None = None
) -> PlanInfo:
    """Plan a campaign on the store's latest run (``run_id``: see :func:`plan_on_latest`) and
    store it with that run.

    The stored request holds the catalogue and the seed, so the plan can be made again. The
    catalogue's disclosures are stored there once; the stored assignments leave them out, and
    :func:`plan_assignments` puts them back.
    """
    run_id, plan = plan_on_latest(store, catalogue, request, run_id)
    stored_request = {
        **asdict(request),
        "catalogue": catalogue.astype(object).where(catalogue.notna(), None).to_dict("records"),
    }
    return store.save_plan(
        run_id,
        request=stored_request,
        totals=plan.totals,
        assignments=plan.assignments.drop(columns="disclosure"),
    )


def plan_assignments(
    store: Store, plan_id: str, *, limit: int, offset: int
) -> tuple[pd.DataFrame, int]:
    """One page of a stored plan's assignments, in selection order, with :data:`PLAN_COLUMNS`
    (the disclosure in the advocate's language, from the plan's stored catalogue), and how many
    assignments the plan has. NotFoundError when there is no such plan."""
    info = store.plan(plan_id)
    page, total = store.plan_assignments(plan_id, limit=limit, offset=offset)
    if "disclosure" not in page.columns:  # plans stored before it was left out carry theirs
        catalogue = pd.DataFrame(info.request["catalogue"])
        page.insert(
            min(PLAN_COLUMNS.index("disclosure"), len(page.columns)),
            "disclosure",
            disclosures(page["arm"], page["language"], catalogue),
        )
    return page, total


def spend_by_incentive(assignments: pd.DataFrame) -> pd.DataFrame:
    """Per arm of a plan's assignments (each incentive, ``none`` for treated advocates given
    none, ``holdout``): advocates, expected conversions, incremental value and cost, the
    costliest first.

    >>> spend_by_incentive(pd.DataFrame({"arm": ["a", "holdout", "a"], "expected_conversions":
    ...     [1.0, 0.5, 2.0], "expected_incremental_value": [10.0, 0, 20.0],
    ...     "expected_cost": [3.0, 0, 6.0]})).to_dict("records")[0]
    {'arm': 'a', 'advocates': 2, 'expected_conversions': 3.0, 'expected_incremental_value': 30.0, 'expected_cost': 9.0}
    """
    figures = ["expected_conversions", "expected_incremental_value", "expected_cost"]
    grouped = assignments.groupby("arm", sort=False)
    frame = grouped[figures].sum().round(2)
    frame.insert(0, "advocates", grouped.size())
    return (
        frame.sort_values(["expected_cost", "advocates"], ascending=False, kind="stable")
        .reset_index()
        .astype({"advocates": int})
    )
