"""What the three platform clients share: one HTTP call with retries, redaction and shape checks.

`BaseClient._call` sends one logical request: it rebuilds the parameters on each attempt (Shopee
signs with a fresh timestamp), maps httpx failures to `TransportError`, hands the answer to a
platform-specific `interpret` function, and retries with exponential backoff only when the
operation is safe to repeat or the failure proves the platform did not act on it.

Secrets never leave through this module: log lines carry the path only (never the query),
error messages pass through a `Redactor` that knows the client's secret values and the names
of sensitive query parameters, httpx's own request log is filtered the same way, and
exceptions are raised outside `except` blocks so no httpx request object (URL with tokens,
headers with keys) hangs on them as context.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import httpx

from .errors import MalformedResponse, PlatformError, RateLimited, ServerError, TransportError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MASK = "***"

T = TypeVar("T")
Params = Mapping[str, Any] | list[tuple[str, Any]] | None

# --------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------

SENSITIVE_PARAMS = ("access_token", "refresh_token", "partner_key", "api_key", "api-key", "sign", "key", "code")
_QUERY_RE = re.compile(
    r"(?i)(?<![a-z0-9_-])(access_token|refresh_token|partner_key|api[-_]key|sign|key|code)=([^&\s\"'#]+)"
)
_JSON_RE = re.compile(r"(?i)(\"(?:access_token|refresh_token|partner_key|api_key|code)\"\s*:\s*\")[^\"]*\"")
_HEADER_RE = re.compile(r"(?i)(api-key\s*[:=]\s*)\S+")


def redact_params(text: str) -> str:
    """Mask the values of sensitive query parameters, JSON token fields and Api-Key headers in `text`."""
    text = _QUERY_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _JSON_RE.sub(lambda m: f'{m.group(1)}{MASK}"', text)
    return _HEADER_RE.sub(lambda m: f"{m.group(1)}{MASK}", text)


class Redactor:
    """Removes a client's known secret values (and sensitive parameters) from any text."""

    def __init__(self, *secrets: str | None) -> None:
        self._secrets = tuple(sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True))

    def extended(self, *secrets: str | None) -> Redactor:
        return Redactor(*self._secrets, *secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return redact_params(text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"


class _RedactQueryFilter(logging.Filter):
    """Logger filter for httpx/httpcore: their INFO line prints the full URL, query included."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's problem, not ours
            return True
        cleaned = redact_params(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _install_http_log_filter() -> None:
    for name in ("httpx", "httpcore"):
        target = logging.getLogger(name)
        if not any(isinstance(existing, _RedactQueryFilter) for existing in target.filters):
            target.addFilter(_RedactQueryFilter())


_install_http_log_filter()


def mask(value: str | None) -> str:
    """The fixed placeholder shown instead of a secret (empty stays empty, so absence is visible)."""
    return MASK if value else ""


# --------------------------------------------------------------------------------------------
# Retries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait between attempts of one call.

    The n-th retry waits `base_delay * 2**(n-1)` seconds (at most `max_delay`), stretched to the
    platform's `retry_after` hint; a hint longer than `max_retry_after` (a daily quota, a robot's
    minute) is not waited out here but raised for the caller to schedule. `sleep` is injectable.
    """

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 10.0
    jitter: float = 0.1
    sleep: Callable[[float], None] = time.sleep

    def delay(self, *, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when no further attempt is allowed."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        if retry_after is not None:
            delay = max(delay, retry_after)
        if self.jitter:
            delay += random.uniform(0, delay * self.jitter)
        return delay


NO_RETRY = RetryPolicy(attempts=1)


# --------------------------------------------------------------------------------------------
# Shape checks: every read of a response goes through these, so a wrong type is a
# MalformedResponse and never a KeyError or TypeError.
# --------------------------------------------------------------------------------------------

_MISSING = object()


def _malformed(where: str, expected: str) -> MalformedResponse:
    return MalformedResponse(f"unexpected response shape at {where}: expected {expected}", maybe_applied=True)


def expect_dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _malformed(where, "an object")
    return value


def _value(obj: Any, key: str, where: str, optional: bool) -> Any:
    expect_dict(obj, where)
    value = obj.get(key, _MISSING)
    if value is _MISSING and not optional:
        raise _malformed(f"{where}.{key}", "a value (missing)")
    return None if value is _MISSING else value


def get_dict(obj: Any, key: str, where: str, *, optional: bool = False) -> dict:
    value = _value(obj, key, where, optional)
    if value is None and optional:
        return {}
    return expect_dict(value, f"{where}.{key}")


def get_list(obj: Any, key: str, where: str, *, optional: bool = False) -> list:
    value = _value(obj, key, where, optional)
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise _malformed(f"{where}.{key}", "a list")
    return value


def get_str(obj: Any, key: str, where: str, *, optional: bool = False, numbers: bool = False) -> str:
    """A string field; with `numbers`, an integer is accepted and turned into its decimal text (ids)."""
    value = _value(obj, key, where, optional)
    if value is None and optional:
        return ""
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _malformed(f"{where}.{key}", "a string")
    return value


def as_int(value: Any, where: str, *, strings: bool = False) -> int:
    """An integer (never a bool); with `strings`, decimal text too (Ozon types some int64 ids as strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if strings and isinstance(value, str) and re.fullmatch(r"-?\d{1,19}", value.strip()):
        return int(value)
    raise _malformed(where, "an integer")


def get_int(obj: Any, key: str, where: str, *, optional: bool = False, strings: bool = False) -> int | None:
    value = _value(obj, key, where, optional)
    if value is None and optional:
        return None
    return as_int(value, f"{where}.{key}", strings=strings)


def get_bool(obj: Any, key: str, where: str, *, optional: bool = False, default: bool = False) -> bool:
    value = _value(obj, key, where, optional)
    if value is None and optional:
        return default
    if not isinstance(value, bool):
        raise _malformed(f"{where}.{key}", "a boolean")
    return value


def as_decimal(value: Any, where: str, *, strings: bool = False) -> Decimal:
    """A number as Decimal; with `strings`, decimal text too (Ozon sends prices as strings)."""
    if isinstance(value, bool):
        raise _malformed(where, "a number")
    if isinstance(value, int | float):
        return Decimal(str(value))
    if strings and isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            result = None
        if result is not None and result.is_finite():
            return result
    raise _malformed(where, "a number")


def get_decimal(obj: Any, key: str, where: str, *, optional: bool = False, strings: bool = False) -> Decimal | None:
    value = _value(obj, key, where, optional)
    if value is None and optional:
        return None
    return as_decimal(value, f"{where}.{key}", strings=strings)


def get_unix_time(obj: Any, key: str, where: str, *, optional: bool = False) -> datetime | None:
    """A Unix-seconds field as an aware UTC datetime; 0 and absence mean "not set" when optional."""
    value = get_int(obj, key, where, optional=optional)
    if value is None or (optional and value == 0):
        return None
    if not 0 <= value < 2**33:
        raise _malformed(f"{where}.{key}", "a Unix time")
    return datetime.fromtimestamp(value, tz=UTC)


def to_unix(value: int | datetime) -> int:
    """Unix seconds from an int or an aware datetime (naive datetimes are refused)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected Unix seconds (int) or an aware datetime")
    return value


def chunked(values: Iterable[T], size: int) -> Iterable[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form only; dates are ignored)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)


# --------------------------------------------------------------------------------------------
# The base client
ROW_SHAPE_ERRORS = (MalformedResponse, KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)


def rows_or_skip(rows: list, parse_row: Callable[[Any, str], Any], where: str, skipped: list[str] | None) -> list:
    """Each row parsed; with a `skipped` list a row of the wrong shape is described there and left out,
    without one it fails the whole answer (MalformedResponse)."""
    parsed = []
    for i, row in enumerate(rows):
        try:
            parsed.append(parse_row(row, f"{where}[{i}]"))
        except ROW_SHAPE_ERRORS as exc:
            if skipped is None:
                raise
            skipped.append(f"{where}[{i}]: {type(exc).__name__}")
    return parsed


# --------------------------------------------------------------------------------------------


class BaseClient:
    """One platform host: owns (or borrows) an httpx.Client and runs calls with retries."""

    platform = ""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = httpx.Timeout(timeout) if isinstance(timeout, int | float) else (timeout or DEFAULT_TIMEOUT)
        self.retry = retry or RetryPolicy()
        self._redact = Redactor(*secrets)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout, follow_redirects=False)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _call(
        self,
        method: str,
        path: str,
        *,
        interpret: Callable[[httpx.Response], T],
        safe: bool,
        params: Params | Callable[[], Params] = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        redact: Redactor | None = None,
    ) -> T:
        """Send one logical request; retry per policy; return `interpret(response)` or raise PlatformError.

        `safe` marks reads (repeating them changes nothing). Unsafe calls are repeated only after
        failures that prove the platform did not act (connection refused, explicit refusals).
        """
        redact = redact or self._redact
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(method, path, interpret, params, json, headers, redact, attempt)
            if not isinstance(outcome, PlatformError):
                return outcome
            error = outcome
            delay = self._retry_delay(error, attempt=attempt, safe=safe)
            if delay is None:
                raise error
            logger.warning(
                "%s %s %s failed (%s); retrying in %.2fs (attempt %d of %d)",
                self.platform,
                method,
                path,
                error,
                delay,
                attempt + 1,
                self.retry.attempts,
            )
            self.retry.sleep(delay)

    def _retry_delay(self, error: PlatformError, *, attempt: int, safe: bool) -> float | None:
        if not safe and error.maybe_applied:
            # The platform may have acted; repeating could send twice or spend a token twice.
            error.retryable = False
            return None
        if not error.retryable:
            return None
        return self.retry.delay(attempt=attempt, retry_after=error.retry_after)

    def _attempt(self, method, path, interpret, params, json, headers, redact, attempt):
        """One HTTP exchange; returns the interpreted result or the PlatformError to raise."""
        started = time.monotonic()
        try:
            query = params() if callable(params) else params
            response = self._http.request(
                method, self.base_url + path, params=query, json=json, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            not_sent = isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            return self._transport_error(method, path, exc, redact, timeout=True, not_sent=not_sent)
        except httpx.RequestError as exc:
            not_sent = isinstance(exc, httpx.ConnectError)
            return self._transport_error(method, path, exc, redact, timeout=False, not_sent=not_sent)
        elapsed = (time.monotonic() - started) * 1000
        logger.debug(
            "%s %s %s -> %s in %.0fms (attempt %d)", self.platform, method, path, response.status_code, elapsed, attempt
        )
        try:
            return interpret(response)
        except PlatformError as exc:
            error = exc
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            error = MalformedResponse(f"unexpected response shape ({type(exc).__name__})", maybe_applied=True)
        error.platform = error.platform or self.platform
        error.message = redact(error.message)
        error.args = (error.message,)
        return error

    def _transport_error(self, method, path, exc, redact, *, timeout: bool, not_sent: bool) -> TransportError:
        kind = "timed out" if timeout else "connection failed"
        detail = redact(str(exc)) or type(exc).__name__
        return TransportError(
            f"{method} {path} {kind}: {type(exc).__name__}: {detail}",
            platform=self.platform,
            timeout=timeout,
            maybe_applied=not not_sent,
        )

    # Helpers for interpret functions -------------------------------------------------------

    def _json(self, response: httpx.Response) -> Any:
        """The decoded JSON body, or MalformedResponse."""
        try:
            return response.json()
        except ValueError:
            pass  # raised below, outside the except block, so the decoder error is not chained
        raise MalformedResponse(
            "response body is not JSON",
            status=response.status_code,
            maybe_applied=True,
            retryable=True,
        )

    @staticmethod
    def _http_status_error(response: httpx.Response, *, code: str = "", message: str = "") -> PlatformError | None:
        """RateLimited for 429 and ServerError for 5xx (the platform may have acted on a 5xx)."""
        status = response.status_code
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return RateLimited(message or "rate limited", code=code, status=status, retry_after=retry_after)
        if status >= 500:
            return ServerError(message or "server error", code=code, status=status, maybe_applied=True)
        return None
