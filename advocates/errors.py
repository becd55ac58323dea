"""One error hierarchy for Advocates.

Every error a user can cause derives from :class:`AdvocatesError`. The CLI and the API turn
these into a message and an exit code or an HTTP status at the edge; the library never prints.
"""

from __future__ import annotations

__all__ = [
    "AdvocatesError",
    "AuthenticationError",
    "ConfigurationError",
    "ConvergenceError",
    "InputError",
    "MissingColumnsError",
    "NoPublishedRunError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RejectThresholdError",
    "RunChangedError",
    "ServerBusyError",
    "StoreError",
    "TableReadError",
]


class AdvocatesError(Exception):
    """Root of every error Advocates raises on purpose."""

    #: Short machine-readable code, used by the API's error shape.
    code = "advocates_error"


class ConfigurationError(AdvocatesError, ValueError):
    """A setting or argument has a value that cannot be used."""

    code = "configuration_error"


class InputError(AdvocatesError, ValueError):
    """The input folder or one of its tables cannot be used as a whole."""

    code = "input_error"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class TableReadError(InputError):
    """A table file exists but cannot be read (empty, not CSV/Parquet, unreadable)."""

    code = "table_read_error"


class MissingColumnsError(InputError):
    """A table lacks columns the input contract requires."""

    code = "missing_columns"

    def __init__(self, *, table: str, path: str, missing: list[str], found: list[str]) -> None:
        super().__init__(
            f"{path}: table '{table}' is missing required column(s) {', '.join(missing)}; "
            f"found: {', '.join(found) or '(no columns)'}",
            path=path,
        )
        self.table = table
        self.missing = missing
        self.found = found


class RejectThresholdError(InputError):
    """Too large a share of a table's rows was rejected; nothing is published."""

    code = "reject_threshold"

    def __init__(self, *, offenders: dict[str, float], threshold: float, rejects_path: str) -> None:
        shares = ", ".join(f"{table} {share:.1%}" for table, share in offenders.items())
        super().__init__(
            f"rejected rows pass the allowed share of {threshold:.1%}: {shares}. "
            f"Nothing was published; see the reasons in {rejects_path}"
        )
        self.offenders = offenders
        self.threshold = threshold
        self.rejects_path = rejects_path


class StoreError(AdvocatesError):
    """The store cannot be opened, read or written."""

    code = "store_error"


class RunInProgressError(StoreError):
    """Another run holds the store: two runs at once could not both publish safely."""

    code = "run_in_progress"


class NoPublishedRunError(StoreError):
    """The store holds no published run yet."""

    code = "no_published_run"

    def __init__(self, store: str) -> None:
        super().__init__(
            f"the store {store} has no published run yet: run `advocates score --input DIR` first"
        )


class NotFoundError(AdvocatesError, LookupError):
    """A thing asked for by id does not exist."""

    code = "not_found"


class NothingToRankError(AdvocatesError):
    """Every score of a ranking is 0: an order would be by id, not by merit."""

    code = "nothing_to_rank"


class RunChangedError(AdvocatesError):
    """A request names a run that is no longer the latest: what it was shown has changed."""

    code = "run_changed"


class ConvergenceError(AdvocatesError, ArithmeticError):
    """An iterative computation stopped at its iteration limit before converging.

    Carries what a caller needs to judge it: the iterations run, the last change and the
    tolerance (as networkx's ``PowerIterationFailedConvergence`` does for PageRank).
    """

    code = "no_convergence"

    def __init__(self, what: str, *, iterations: int, change: float, tol: float) -> None:
        self.iterations, self.change, self.tol = iterations, change, tol
        super().__init__(
            f"{what} did not converge in {iterations} iterations: the last change was "
            f"{change:.3g}, the tolerance {tol:.3g}"
        )


class AuthenticationError(AdvocatesError):
    """A request carries no API key, or one that is unknown, malformed or revoked."""

    code = "unauthorized"


class PermissionDeniedError(AdvocatesError):
    """A valid API key lacks the scope the request needs."""

    code = "forbidden"


class RateLimitedError(AdvocatesError):
    """A caller sent more requests than its rate limit allows; it may retry after a while."""

    code = "rate_limited"

    def __init__(self, *, limit: str, retry_after: int) -> None:
        super().__init__(f"rate limit of {limit} reached: retry in {retry_after} s")
        self.retry_after = retry_after


class ServerBusyError(AdvocatesError):
    """Heavy work (plans, custom rankings, exports) is at capacity; retry after a while."""

    code = "server_busy"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(f"the server is busy with other heavy requests: retry in {retry_after} s")
        self.retry_after = retry_after
