"""Customer value: the BG/NBD and Gamma-Gamma fits, their predictions and degenerate inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from advocates.errors import InputError
from advocates.models.clv import (
    VALUE_COLUMNS,
    BetaGeoModel,
    GammaGammaModel,
    _Distinct,
    completed_orders,
    fit_customer_value,
    rfm_summary,
    value_on,
)


def simulate_bgnbd(
    n: int, *, r: float, alpha: float, a: float, b: float, weeks: float, seed: int
) -> pd.DataFrame:
    """Customers drawn from the BG/NBD story, all observed for ``weeks`` after a first purchase."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    rows = []
    for rate, p in zip(rates, dropout, strict=True):
        t, x, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / rate)
            if t > weeks:
                break
            x, last = x + 1, t
            if rng.random() < p:
                break
        rows.append((float(x), last, weeks))
    return pd.DataFrame(rows, columns=["frequency", "recency", "T"])


def test_rfm_summary_merges_same_day_purchases_and_cuts_at_calibration_end() -> None:
    log = pd.DataFrame(
        {
            "c": ["a", "a", "a", "a", "b"],
            "d": pd.to_datetime(
                ["2024-01-01", "2024-01-08", "2024-01-08", "2024-03-01", "2024-01-15"]
            ),
            "amount": [5.0, 10.0, 20.0, 99.0, 3.0],
        }
    )
    summary = rfm_summary(
        log, customer="c", date="d", amount="amount", calibration_end=pd.Timestamp("2024-01-29")
    )
    assert summary.loc["a"].to_dict() == {
        "frequency": 1.0,
        "recency": 1.0,
        "T": 4.0,
        "monetary": 30.0,
    }
    assert summary.loc["b"].to_dict() == {
        "frequency": 0.0,
        "recency": 0.0,
        "T": 2.0,
        "monetary": 0.0,
    }


def test_rfm_summary_leaves_out_rows_without_a_customer_and_sorts_by_customer() -> None:
    log = pd.DataFrame(
        {
            "c": ["b", None, "a", "b"],
            "d": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-01", "2024-01-10"]),
            "amount": [1.0, 2.0, 3.0, 4.0],
        },
        index=[7, 7, 3, 2],
    )
    summary = rfm_summary(
        log, customer="c", date="d", amount="amount", calibration_end=pd.Timestamp("2024-01-17")
    )
    assert list(summary.index) == ["a", "b"] and summary.index.name == "c"
    assert summary["frequency"].tolist() == [0.0, 1.0]
    assert summary["monetary"].tolist() == [0.0, 4.0]


def bgnbd_loglik_as_published(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> np.ndarray:
    """Fader, Hardie & Lee (2005)'s per-customer log-likelihood, term by term."""
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4))


def test_the_likelihoods_summed_over_distinct_rows_equal_the_per_customer_sums() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    x = rng.integers(0, 6, n).astype(float)
    x[:20] = 1000.0  # heavy buyers long silent: a4 - a3 is far beyond exp's range
    big_t = rng.integers(1, 15, n).astype(float)
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, n) * (big_t + 1)), 0.0)
    t_x[:20] = 0.1
    rows = _Distinct.of(x, t_x, big_t)
    assert len(rows.counts) < n / 2 and rows.counts.sum() == n
    m = rng.integers(1, 40, n) / 2
    spend_rows = _Distinct.of(x[x > 0], m[x > 0])
    for _ in range(5):
        params = rng.uniform(0.05, 8.0, 4)
        per_customer = BetaGeoModel._loglik(params, x, t_x, big_t)
        published = bgnbd_loglik_as_published(params, x, t_x, big_t)
        np.testing.assert_allclose(per_customer, published, rtol=1e-12, atol=0)
        assert BetaGeoModel._total_loglik(params, rows) == pytest.approx(
            per_customer.sum(), rel=1e-12
        )
        per_buyer = GammaGammaModel._loglik(params[:3], x[x > 0], m[x > 0]).sum()
        assert GammaGammaModel._total_loglik(params[:3], spend_rows) == pytest.approx(
            per_buyer, rel=1e-12
        )


def test_bgnbd_recovers_the_parameters_it_was_simulated_with() -> None:
    truth = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    summary = simulate_bgnbd(6000, weeks=52.0, seed=1, **truth)
    model = BetaGeoModel().fit(summary)
    fitted = dict(zip(truth, model.params_, strict=True))
    for name, value in truth.items():
        assert fitted[name] == pytest.approx(value, rel=0.25), name


def test_bgnbd_conditional_expectation_matches_the_paper() -> None:
    # Fader, Hardie & Lee (2005), section 4: a customer with x = 2, t_x = 30.43, T = 38.86 is
    # expected to make 1.226 purchases in the next 39 weeks under the CDNOW estimates.
    model = BetaGeoModel()
    model.r_, model.alpha_, model.a_, model.b_ = 0.243, 4.414, 0.793, 2.426
    one = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]})
    assert model.expected_purchases(one, 39.0)[0] == pytest.approx(1.226, abs=0.001)
    never = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [38.86]})
    assert model.probability_alive(never)[0] == 1.0


def test_gamma_gamma_expected_spend_shrinks_toward_the_population_mean() -> None:
    model = GammaGammaModel()
    model.p_, model.q_, model.gamma_ = 6.25, 3.74, 15.44
    population = model.p_ * model.gamma_ / (model.q_ - 1)
    frame = pd.DataFrame({"frequency": [0.0, 1.0, 50.0], "monetary": [0.0, 100.0, 100.0]})
    newcomer, once, loyal = model.expected_spend(frame)
    assert newcomer == pytest.approx(population)
    assert population < once < loyal < 100.0


def test_gamma_gamma_stays_readable_when_spend_does_not_vary_within_customers() -> None:
    """Subscriptions: every customer pays their plan's price each time. Maximum likelihood runs
    off to p → ∞, gamma → 0; the default shape penalty keeps finite parameters and predictions."""
    rng = np.random.default_rng(0)
    plans = pd.DataFrame(
        {
            "frequency": rng.integers(1, 8, 2000).astype(float),
            "monetary": rng.choice([9.99, 14.99, 19.99, 29.99], 2000),
        }
    )
    plain = GammaGammaModel(shape_penalty=0.0).fit(plans)
    assert plain.p_ > 1e5 and plain.gamma_ < 1e-3  # diverged (6.7 million and 0.0 when measured)
    model = GammaGammaModel().fit(plans)
    assert 50 < model.p_ < 1000 and 0.05 < model.gamma_ < 10 and 1 < model.q_ < 20
    spend = model.expected_spend(plans)
    assert spend == pytest.approx(plans["monetary"].to_numpy(), rel=0.02)  # their own price


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        (pd.DataFrame({"frequency": [2.0], "recency": [3.0], "T": [5.0]}), "at least 2 customers"),
        (
            pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 4.0]}),
            "no customer made a repeat",
        ),
        (
            pd.DataFrame({"frequency": [1.0, 0.0], "recency": [6.0, 0.0], "T": [5.0, 4.0]}),
            "recency <= T",
        ),
        (
            pd.DataFrame({"frequency": [1.0, np.nan], "recency": [1.0, 0.0], "T": [5.0, 4.0]}),
            "missing",
        ),
        (pd.DataFrame({"frequency": [1.0, 0.0]}), "lacks the column"),
    ],
)
def test_bgnbd_refuses_degenerate_summaries(summary: pd.DataFrame, message: str) -> None:
    with pytest.raises(InputError, match=message):
        BetaGeoModel().fit(summary)


def test_gamma_gamma_refuses_zero_amounts() -> None:
    zero = pd.DataFrame({"frequency": [1.0, 2.0, 0.0], "monetary": [0.0, 0.0, 0.0]})
    with pytest.raises(InputError, match="fewer than 2 repeat buyers with a positive spend"):
        GammaGammaModel().fit(zero)


def _orders(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True)
    return frame.assign(status="completed")


@pytest.mark.parametrize(
    "rows",
    [
        [("a", "2024-01-01", 10.0)],  # one customer
        [("a", "2024-01-01", 10.0), ("b", "2024-02-01", 5.0)],  # no repeat buyer
        [
            ("a", "2024-01-01", 0.0),
            ("a", "2024-02-01", 0.0),
            ("b", "2024-02-01", 0.0),
        ],  # zero amounts
    ],
)
def test_customer_value_falls_back_with_a_reason_instead_of_nan(
    rows: list[tuple[str, str, float]],
) -> None:
    customers = pd.Index(["a", "b", "never"], name="customer_id")
    at = pd.Timestamp("2024-06-01", tz="UTC")
    fit = fit_customer_value(orders=_orders(rows), as_of=at)
    value, report = fit.model.predict(customers), fit.metrics
    assert list(value.columns) == VALUE_COLUMNS
    assert np.isfinite(value.to_numpy()).all()
    assert value.loc["never", "predicted_value_12m"] == 0.0
    assert "past order rate" in str(report["model"])
    # Reused on the same day, the plain estimate is made again, alike.
    again = value_on(fit.model, completed=completed_orders(_orders(rows), as_of=at), as_of=at)
    pd.testing.assert_frame_equal(again.predict(customers), value)


def test_customer_value_uses_the_fitted_models_when_it_can() -> None:
    summary = simulate_bgnbd(800, r=0.5, alpha=5.0, a=0.8, b=2.5, weeks=52.0, seed=2)
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2024-01-01", tz="UTC")
    rows = []
    for i, (x, recency, _) in enumerate(summary.itertuples(index=False)):
        days = [0.0, *np.sort(rng.uniform(0, recency * 7, int(x) - 1)), recency * 7] if x else [0.0]
        rows += [
            (f"c{i}", str(start + pd.Timedelta(days=int(d))), float(rng.gamma(5, 8))) for d in days
        ]
    orders = _orders(rows)
    fit = fit_customer_value(orders=orders, as_of=start + pd.Timedelta(weeks=52))
    value = fit.model.predict(pd.Index(orders["customer_id"].unique()))
    report = fit.metrics
    assert report["model"] == "BG/NBD + Gamma-Gamma"
    assert (value["predicted_value_12m"] >= 0).all() and value["p_alive"].between(0, 1).all()
    assert value["predicted_value_12m"].corr(value["expected_purchases_12m"]) > 0.5

    # Reused a month on: the same parameters, each customer's purchases as of that day.
    end = start + pd.Timedelta(weeks=52)
    same_day = value_on(fit.model, completed=completed_orders(orders, as_of=end), as_of=end)
    later_day = end + pd.Timedelta(days=30)
    pd.testing.assert_frame_equal(same_day.predictions, fit.model.predictions)
    later = value_on(
        fit.model, completed=completed_orders(orders, as_of=later_day), as_of=later_day
    )
    assert later.bgnbd is fit.model.bgnbd and later.gamma_gamma is fit.model.gamma_gamma
    # A month without purchases: each customer is less likely alive, none more.
    assert (later.predictions["p_alive"] <= fit.model.predictions["p_alive"] + 1e-12).all()
    assert (later.predictions["p_alive"] < fit.model.predictions["p_alive"]).any()
