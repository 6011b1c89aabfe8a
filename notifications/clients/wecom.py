"""WeCom (企业微信) group robot client (contract: ../shared/platform-apis.md, section 3).

`WeComRobot(key=..., base_url=...)` posts `text` and `markdown` messages to
`/cgi-bin/webhook/send?key=<key>`. The robot rejects over-long content instead of truncating it,
so the UTF-8 byte limits (text 2048, markdown 4096) are checked before anything is sent:
`split_content` turns long content into several messages on line boundaries, and
`shorten_content` keeps what fits and ends with a clear "…and N more" line.

The robot answers HTTP 200 even for failures; `errcode != 0` is a failure mapped to a typed error
(93000 InvalidCredentials, 45009 RateLimited, 40058/40008/44004 InvalidRequest, -1 ServerError).
Sends are not repeated after ambiguous failures (timeout, 5xx, garbled answer): a message
delivered twice is worse than one the caller resends on purpose. Explicit refusals (-1, a
refused connection) are safe to repeat. The webhook key is a secret and never appears in logs,
errors or reprs. Imports no models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from stores.clients.errors import (
    ContentTooLong,
    InvalidCredentials,
    InvalidRequest,
    MalformedResponse,
    PlatformError,
    RateLimited,
    ServerError,
)
from stores.clients.http import BaseClient, RetryPolicy, expect_dict, get_int, get_str

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
SEND_PATH = "/cgi-bin/webhook/send"

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096
MORE_LINE = "…and {n} more"
RATE_LIMIT_RETRY_AFTER = 60.0  # 20 messages a minute per robot: try again in the next minute


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def mention(userid: str) -> str:
    """The in-content mention for text and markdown messages."""
    return f"<@{userid}>"


def _cut(line: str, limit: int) -> list[str]:
    """`line` in pieces of at most `limit` UTF-8 bytes, never cutting inside a character."""
    data = line.encode("utf-8")
    pieces = []
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # continuation byte: step back to a char start
            cut -= 1
        pieces.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    pieces.append(data.decode("utf-8"))
    return pieces


def split_content(content: str, *, limit: int) -> list[str]:
    """Content as consecutive messages of at most `limit` UTF-8 bytes each, split between lines.

    A single line longer than `limit` is cut at a character boundary. Blank lines at the
    edges of a part are dropped; empty content gives no messages.
    """
    if limit < 4:
        raise ValueError("limit must leave room for at least one character")
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in content.split("\n"):
        for piece in _cut(line, limit):
            cost = utf8_len(piece) + (1 if current else 0)
            if current and size + cost > limit:
                parts.append("\n".join(current))
                current, size, cost = [], 0, utf8_len(piece)
            current.append(piece)
            size += cost
    parts.append("\n".join(current))
    return [part.strip("\n") for part in parts if part.strip()]


def shorten_content(content: str, *, limit: int, more: str = MORE_LINE) -> str:
    """Content cut to at most `limit` UTF-8 bytes: the whole lines that fit, then `more` with N left out.

    N counts the non-blank lines left out. When not even the first line fits, its beginning is
    kept (cut at a character boundary) and followed by the `more` line (or "…" when nothing else
    was left out).
    """
    if utf8_len(content) <= limit:
        return content
    lines = content.split("\n")
    left_out = [0] * (len(lines) + 1)  # non-blank lines in lines[k:]
    for k in range(len(lines) - 1, -1, -1):
        left_out[k] = left_out[k + 1] + (1 if lines[k].strip() else 0)
    best = ""
    kept_size = utf8_len(lines[0])  # bytes of "\n".join(lines[:k])
    for k in range(1, len(lines)):
        if kept_size > limit:
            break
        tail = "" if left_out[k] == 0 else "\n" + more.format(n=left_out[k])
        if kept_size + utf8_len(tail) <= limit:
            best = "\n".join(lines[:k]) + tail
        kept_size += 1 + utf8_len(lines[k])
    if best.strip():
        return best
    marker = more.format(n=left_out[1]) if left_out[1] else "…"
    room = limit - utf8_len(marker) - 1
    if room < 1:
        raise ValueError("limit too small for the 'more' line")
    return f"{_cut(lines[0], room)[0]}\n{marker}"


@dataclass(frozen=True)
class WeComSendResult:
    """An accepted message: the robot's errcode (0) and errmsg, and the content size sent."""

    msgtype: str
    errcode: int
    errmsg: str
    content_bytes: int


def map_errcode(errcode: int, errmsg: str) -> PlatformError:
    """The typed error for a non-zero errcode of an HTTP 200 answer."""
    code = str(errcode)
    text = errmsg or code
    if errcode == 93000:
        return InvalidCredentials(text, code=code)
    if errcode in (45009, 45033):
        return RateLimited(text, code=code, retry_after=RATE_LIMIT_RETRY_AFTER if errcode == 45009 else 1.0)
    if errcode == -1:
        return ServerError(text, code=code)  # "system busy": an explicit refusal, safe to repeat
    if errcode == 40058 and "exceed" in errmsg:
        return ContentTooLong(text, code=code)
    if 40000 <= errcode < 50000:
        return InvalidRequest(text, code=code)
    return PlatformError(text, code=code)


class WeComRobot(BaseClient):
    """One group robot, identified by its secret webhook key."""

    platform = "wecom"

    def __init__(
        self,
        *,
        key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        if not key:
            raise ValueError("key is required")
        super().__init__(base_url=base_url, timeout=timeout, retry=retry, http_client=http_client, secrets=[key])
        self._key = key

    @classmethod
    def from_settings(cls, *, key: str, **kwargs: Any) -> WeComRobot:
        """A robot client on settings.WECOM_BASE_URL (the simulator in demo and tests)."""
        from django.conf import settings

        kwargs.setdefault("base_url", getattr(settings, "WECOM_BASE_URL", DEFAULT_BASE_URL))
        return cls(key=key, **kwargs)

    def __repr__(self) -> str:
        return f"WeComRobot(key='***', base_url={self.base_url!r})"

    def send_text(
        self, content: str, mentioned_list: Iterable[str] = (), mentioned_mobile_list: Iterable[str] = ()
    ) -> WeComSendResult:
        """Send a text message (≤ 2048 bytes); mention by userid, by mobile, or everyone with "@all"."""
        body: dict[str, Any] = {"content": content}
        if mentioned := list(mentioned_list):
            body["mentioned_list"] = mentioned
        if mobiles := list(mentioned_mobile_list):
            body["mentioned_mobile_list"] = mobiles
        return self._send("text", body, TEXT_LIMIT)

    def send_markdown(self, content: str) -> WeComSendResult:
        """Send a markdown message (≤ 4096 bytes); mention people with `<@userid>` inside the content."""
        return self._send("markdown", {"content": content}, MARKDOWN_LIMIT)

    def _send(self, msgtype: str, body: dict[str, Any], limit: int) -> WeComSendResult:
        content = body["content"]
        if not isinstance(content, str) or not content.strip():
            raise InvalidRequest(f"{msgtype} content is empty", platform=self.platform)
        size = utf8_len(content)
        if size > limit:
            raise ContentTooLong(
                f"{msgtype} content is {size} bytes, the robot accepts at most {limit}; split or shorten it first",
                platform=self.platform,
                code="content_too_long",
            )

        def interpret(response: httpx.Response) -> WeComSendResult:
            return self._result(response, msgtype, size)

        return self._call(
            "POST",
            SEND_PATH,
            interpret=interpret,
            safe=False,
            params={"key": self._key},
            json={"msgtype": msgtype, msgtype: body},
        )

    def _result(self, response: httpx.Response, msgtype: str, size: int) -> WeComSendResult:
        status_error = self._http_status_error(response)
        if status_error:
            raise status_error
        if response.status_code != 200:
            raise InvalidRequest("unexpected HTTP status", status=response.status_code)
        body = expect_dict(self._json(response), SEND_PATH)
        errcode = get_int(body, "errcode", SEND_PATH)
        errmsg = get_str(body, "errmsg", SEND_PATH, optional=True)
        if errcode != 0:
            raise map_errcode(errcode, errmsg)
        return WeComSendResult(msgtype=msgtype, errcode=0, errmsg=errmsg, content_bytes=size)


__all__ = [
    "MARKDOWN_LIMIT",
    "TEXT_LIMIT",
    "MalformedResponse",
    "WeComRobot",
    "WeComSendResult",
    "mention",
    "shorten_content",
    "split_content",
]
