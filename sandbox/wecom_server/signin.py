"""WeCom server API simulator, sign-in: the code exchange (`auth/getuserinfo` and the older `user/getuserinfo`),
and the login pages of the three flows (wwlogin, qrConnect, OAuth2 authorize), which list the corp's members in
place of a phone scanning a QR code and send the browser back to `redirect_uri` with a single-use code.
"""

from __future__ import annotations

import secrets
from html import escape
from urllib.parse import urlencode, urlsplit

from django.http import HttpResponse, HttpResponseRedirect

from ..state import World, get_world
from .model import CODE_TTL, STATE, Corp, CorpError, Secret, corps, reply


def _exchange(world: World, request, path: str, corp: Corp, secret: Secret) -> dict:
    if secret.kind != "app":
        raise CorpError(48002, "api forbidden")
    code = request.GET.get("code", "")
    entry = corp.codes.get(code)
    if entry is None or entry["used"] or world.now() > entry["expires"]:
        raise CorpError(40029, "invalid code")
    entry["used"] = True
    if corp.trusted_domains and entry["redirect_host"] not in corp.trusted_domains:
        raise CorpError(50001, "redirect_uri unauthorized")
    userid = entry.get("userid")
    if path == "user/getuserinfo":  # the old exchange: capitalised names
        if userid:
            return reply(0, "ok", UserId=userid, DeviceId="")
        return reply(0, "ok", OpenId=entry["openid"], DeviceId="")
    if userid:
        return reply(0, "ok", userid=userid)
    return reply(0, "ok", openid=entry["openid"], external_userid=entry.get("external_userid", ""))


def _scan_page(request, *, corp: Corp | None, params: dict, error: str = "") -> HttpResponse:
    if error or corp is None:
        body = f"<h1>企业微信</h1><p class='error'>{escape(error or 'appid 参数错误')}</p>"
        return HttpResponse(_page(body), status=400)
    rows = []
    for member in sorted(corp.members.values(), key=lambda m: m["userid"]):
        query = urlencode({**params, "scan": member["userid"]})
        status = {1: "已激活", 2: "已禁用", 4: "未激活", 5: "已退出"}.get(member["status"], "")
        rows.append(
            f"<li><a class='member' data-userid='{escape(member['userid'])}' href='?{escape(query)}'>"
            f"{escape(member['name'])} <small>{escape(member['userid'])} · {status}</small></a></li>"
        )
    outsider = urlencode({**params, "scan": "__outsider__"})
    body = (
        f"<h1>企业微信扫码登录 · {escape(corp.name or corp.corpid)}</h1>"
        "<p>模拟器：请选择扫码的成员（真实环境中为手机扫码确认）。</p>"
        f"<ul>{''.join(rows)}</ul>"
        f"<p><a id='outsider' href='?{escape(outsider)}'>非企业成员扫码（个人微信）</a></p>"
    )
    return HttpResponse(_page(body))


def _page(body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>企业微信</title>"
        "<style>body{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}"
        "a.member{display:block;padding:.8rem;border:1px solid #ccc;border-radius:6px;margin:.4rem 0;"
        "text-decoration:none}.error{color:#b00}</style></head><body>" + body + "</body></html>"
    )


def login(request, flow: str):
    """The login pages: `wwlogin` (current), `qrConnect` (older) and the in-app OAuth2 authorize link."""
    world = get_world()
    params = {k: v for k, v in request.GET.items() if k != "scan"}
    appid = params.get("appid", "")
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    with world.lock:
        corp = corps(world).get(appid)
        if corp is None:
            return _scan_page(request, corp=None, params=params, error="appid 参数错误")
        if flow != "oauth" and not str(params.get("agentid", "")).isdigit():
            return _scan_page(request, corp=corp, params=params, error="agentid 参数错误")
        if flow == "oauth" and (
            params.get("response_type") != "code"
            or params.get("scope")
            not in (
                "snsapi_base",
                "snsapi_privateinfo",
            )
        ):
            return _scan_page(request, corp=corp, params=params, error="scope 或 response_type 参数错误")
        if not STATE.match(state):
            return _scan_page(request, corp=corp, params=params, error="state 参数错误")
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc:
            return _scan_page(request, corp=corp, params=params, error="redirect_uri 参数错误")
        if corp.trusted_domains and target.netloc not in corp.trusted_domains:
            # WeCom shows its own error page (wwopen/uriconfirm?err_type=domain_err) and sends nobody back
            return _scan_page(request, corp=corp, params=params, error="redirect_uri 与可信域名不一致 (domain_err)")
        scanned = request.GET.get("scan")
        if not scanned:
            return _scan_page(request, corp=corp, params=params)
        member = corp.members.get(scanned.lower())
        if member is not None and member["status"] in (2, 5):  # a disabled or departed member cannot use WeCom
            return _scan_page(request, corp=corp, params=params, error="该成员已被禁用或已退出企业，无法登录")
        code = secrets.token_urlsafe(32)
        entry = {"expires": world.now() + CODE_TTL, "used": False, "redirect_host": target.netloc}
        if member is not None:
            entry["userid"] = member["userid"]
        else:
            entry["openid"] = "o" + secrets.token_hex(12)
            entry["external_userid"] = ""
        corp.codes[code] = entry
    separator = "&" if target.query else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode({'code': code, 'state': state})}")
