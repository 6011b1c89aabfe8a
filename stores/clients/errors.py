"""Typed errors shared by the Shopee, Ozon and WeCom clients.

Every failure a client can raise is a `PlatformError`. Callers branch on the class, never on
message text:

- `AuthExpired`: the access token is no longer accepted; refresh it and call again.
- `InvalidCredentials`: keys, signature, refresh token or authorization are wrong or revoked;
  a person has to act (re-authorize the shop, enter new keys).
- `RateLimited`: the platform refused the call for now; `retry_after` says how long to wait.
- `InvalidRequest` (and `NotFound`, `ContentTooLong`): our request was wrong; repeating it fails again.
- `ServerError`: the platform failed; repeating later may succeed.
- `MalformedResponse`: the answer was not JSON or not the documented shape.
- `TransportError`: timeout or connection failure before an answer arrived.

`retryable` tells the caller whether trying again later may succeed. `maybe_applied` is true
when a write may have taken effect although it failed (a timeout after the request was sent);
such failures of non-repeatable operations are raised with `retryable=False` so that nobody
sends a message twice or spends a single-use token twice without deciding to.

Messages never contain secrets: the clients redact known secret values and sensitive query
parameters before building them.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Base of every client error. Carries the platform's own code and a retry hint."""

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        code: str = "",
        status: int | None = None,
        request_id: str = "",
        retryable: bool | None = None,
        retry_after: float | None = None,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.platform = platform
        self.code = code
        self.status = status
        self.request_id = request_id
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied

    def __str__(self) -> str:
        parts = [f"[{self.platform}]" if self.platform else "", f"{self.code}:" if self.code else "", self.message]
        text = " ".join(part for part in parts if part)
        if self.status is not None:
            text += f" (HTTP {self.status})"
        if self.request_id:
            text += f" request_id={self.request_id}"
        if self.retry_after is not None:
            text += f" retry_after={self.retry_after:g}s"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, retryable={self.retryable})"


class AuthExpired(PlatformError):
    """The access token expired or was replaced; refresh the token and repeat the call."""


class InvalidCredentials(PlatformError):
    """Wrong or revoked keys, signature, refresh token, code or authorization; needs a person."""


class RateLimited(PlatformError):
    """The platform refused the call because of a rate limit or a daily quota."""

    default_retryable = True


class InvalidRequest(PlatformError):
    """The request itself was rejected (bad parameter, unknown object); repeating it fails again."""


class NotFound(InvalidRequest):
    """The named object (order, posting, return) does not exist on the platform."""


class ContentTooLong(InvalidRequest):
    """A message exceeds the platform's byte limit; raised before anything is sent."""


class ServerError(PlatformError):
    """The platform failed to answer properly (5xx, system busy); may succeed later."""

    default_retryable = True


class MalformedResponse(PlatformError):
    """The answer was not JSON or did not have the documented shape or types."""

    default_retryable = True


class TransportError(PlatformError):
    """Timeout or connection failure; `timeout` tells which."""

    default_retryable = True

    def __init__(self, message: str, *, timeout: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.timeout = timeout


__all__ = [
    "AuthExpired",
    "ContentTooLong",
    "InvalidCredentials",
    "InvalidRequest",
    "MalformedResponse",
    "NotFound",
    "PlatformError",
    "RateLimited",
    "ServerError",
    "TransportError",
]
