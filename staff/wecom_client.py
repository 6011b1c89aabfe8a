"""A client of WeCom's server API (platform-apis.md section 3b): tokens, contacts, the sign-in exchange, app
messages. It imports no models: the caller passes the corp id and a secret.

Tokens are cached per (corp id, secret) in the process and fetched again once when WeCom says a token is invalid
or expired (40014 / 42001), as the contract asks. Every failure is a WeComError carrying WeCom's errcode; its
message never holds a secret or a token (WeCom's own errmsg is kept up to its hint suffix).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from django.conf import settings

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
DEFAULT_LOGIN_URL = "https://login.work.weixin.qq.com"
DEFAULT_OAUTH_URL = "https://open.weixin.qq.com"
TOKEN_ERRORS = {40014, 42001}
NETWORK = -1  # errcode of a WeComError for a transport failure (no answer from WeCom)

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


class WeComError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        self.errcode = errcode
        self.errmsg = errmsg.split(", hint:")[0]  # WeCom's text, without its hint / from-ip / more-info suffix
        super().__init__(f"WeCom error {errcode}: {self.errmsg}")


def base_url() -> str:
    return getattr(settings, "WECOM_BASE_URL", DEFAULT_BASE_URL).rstrip("/")


def _pages_root(name: str, default: str, mount: str) -> str:
    """Where WeCom's sign-in pages are: the setting `name` when set; else, when WECOM_BASE_URL points somewhere
    other than WeCom's own host (the sandbox's simulator), the pages the simulator serves under `mount`."""
    explicit = getattr(settings, name, None)
    if explicit:
        return str(explicit).rstrip("/")
    if base_url() != DEFAULT_BASE_URL:
        return base_url() + mount
    return default


def login_url(*, corp_id: str, agent_id: int, redirect_uri: str, state: str, lang: str = "zh") -> str:
    """The web sign-in page (QR code) the browser is sent to."""
    from urllib.parse import urlencode

    root = _pages_root("WECOM_LOGIN_URL", DEFAULT_LOGIN_URL, "/_login")
    query = urlencode(
        {
            "login_type": "CorpApp",
            "appid": corp_id,
            "agentid": agent_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "lang": lang,
        }
    )
    return f"{root}/wwlogin/sso/login?{query}"


def oauth_url(*, corp_id: str, agent_id: int, redirect_uri: str, state: str) -> str:
    """The in-WeCom OAuth2 link (a page opened inside WeCom's browser signs in without a scan)."""
    from urllib.parse import urlencode

    root = _pages_root("WECOM_OAUTH_URL", DEFAULT_OAUTH_URL, "/_oauth")
    query = urlencode(
        {
            "appid": corp_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
            "agentid": agent_id,
        }
    )
    return f"{root}/connect/oauth2/authorize?{query}#wechat_redirect"


class WeComClient:
    """Calls for one secret of one corp."""

    def __init__(self, corp_id: str, secret: str, *, base: str | None = None, transport=None, timeout: float = 10):
        self.corp_id, self.secret = corp_id, secret
        self.http = httpx.Client(base_url=(base or base_url()) + "/cgi-bin/", timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> WeComClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- tokens ------------------------------------------------------------------------------------------

    def token(self, *, fresh: bool = False) -> str:
        key = (self.corp_id, self.secret)
        with _lock:
            cached = _tokens.get(key)
            if cached and not fresh and cached[1] > time.time() + 60:
                return cached[0]
        data = self._send("GET", "gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret})
        token, ttl = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not isinstance(ttl, int):
            raise WeComError(NETWORK, "gettoken answered without a token")
        with _lock:
            _tokens[key] = (token, time.time() + ttl)
        return token

    def forget_token(self) -> None:
        with _lock:
            _tokens.pop((self.corp_id, self.secret), None)

    def call(self, method: str, path: str, *, params: dict | None = None, json: Any = None) -> dict:
        """One call with the cached token; fetched again once on 40014 / 42001."""
        for attempt in (0, 1):
            query = {**(params or {}), "access_token": self.token(fresh=attempt == 1)}
            try:
                return self._send(method, path, params=query, json=json)
            except WeComError as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 0:
                    self.forget_token()
                    continue
                raise
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, *, params: dict, json: Any = None) -> dict:
        try:
            response = self.http.request(method, path, params=params, json=json)
        except httpx.HTTPError as exc:
            raise WeComError(NETWORK, f"WeCom could not be reached ({exc.__class__.__name__})") from None
        if response.status_code != 200:
            raise WeComError(NETWORK, f"WeCom answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise WeComError(NETWORK, "WeCom answered something that is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("errcode", 0), int):
            raise WeComError(NETWORK, "WeCom answered an unexpected body")
        if data.get("errcode", 0) != 0:
            raise WeComError(data["errcode"], str(data.get("errmsg", "")))
        return data

    # --- contacts ----------------------------------------------------------------------------------------

    def departments(self) -> list[dict]:
        return list(self.call("GET", "department/list").get("department") or [])

    def members(self, department_id: int = 1) -> list[dict]:
        data = self.call("GET", "user/list", params={"department_id": department_id, "fetch_child": 1})
        return list(data.get("userlist") or [])

    def member(self, userid: str) -> dict:
        return self.call("GET", "user/get", params={"userid": userid})

    def member_ids(self) -> list[dict]:
        """Every (userid, department) row through user/list_id's cursor (contacts-sync secret)."""
        rows, cursor = [], ""
        while True:
            data = self.call("POST", "user/list_id", json={"cursor": cursor, "limit": 10000})
            rows += data.get("dept_user") or []
            cursor = data.get("next_cursor") or ""
            if not cursor:
                return rows

    def create_member(self, member: dict) -> dict:
        return self.call("POST", "user/create", json=member)

    def update_member(self, userid: str, **changes) -> dict:
        return self.call("POST", "user/update", json={"userid": userid, **changes})

    # --- sign-in and messages ----------------------------------------------------------------------------

    def user_for_code(self, code: str) -> dict:
        """The sign-in exchange: {"userid": …} for a member, {"openid": …} for someone outside the corp."""
        return self.call("GET", "auth/getuserinfo", params={"code": code})

    def send_text(self, *, agent_id: int, to: list[str], content: str) -> dict:
        body = {"touser": "|".join(to), "msgtype": "text", "agentid": agent_id, "text": {"content": content}}
        return self.call("POST", "message/send", json=body)
