"""WeCom (企业微信) server API simulator: access tokens, contacts, web sign-in and app messages (contract:
platform-apis.md section 3b and "WeCom server API simulator" in section 5).

Served beside the robot simulator on the qyapi host: `/cgi-bin/<path>` (known paths answer HTTP 200 with
`errcode`/`errmsg`, unknown ones 404). The sign-in pages of the other two hosts are served here too:
`/_login/wwlogin/sso/login` and `/_login/wwopen/sso/qrConnect` (login.work.weixin.qq.com, open.work.weixin.qq.com)
and `/_oauth/connect/oauth2/authorize` (open.weixin.qq.com). Instead of a phone scanning a QR code, the page
lists the corp's members: choosing one (a person, or a test) sends the browser back to `redirect_uri` with a
single-use code, as WeCom does after a scan. The control API (`/control/wecom/corps…`) sets corps, secrets and
members up and reads them back.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode, urlsplit

from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt

from .faults import malformed_body, mangle_types
from .http import finish, gateway_error, json_response, log_call, parse_json, raw_response, read_body
from .state import World, get_world

TOKEN_TTL = 7200
CODE_TTL = 300
USERID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_@.\-]{0,63}$")
MOBILE = re.compile(r"^\+?[0-9][0-9\-]{5,19}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
STATE = re.compile(r"^[A-Za-z0-9]{0,128}$")
# Empty list fields an error body keeps (3b.1), per path.
LIST_FIELDS = {
    "user/get": {"department": [], "order": []},
    "user/simplelist": {"userlist": []},
    "user/list": {"userlist": []},
    "user/list_id": {"dept_user": [], "next_cursor": ""},
    "department/list": {"department": []},
    "department/simplelist": {"department_id": []},
    "gettoken": {},
}
WRITES = {"user/create", "user/update", "user/delete", "user/batchdelete"}
CONTACT_READS = {"user/get", "user/simplelist", "user/list", "department/list", "department/get"}
WRITE_OK = {"user/create": "created", "user/update": "updated", "user/delete": "deleted"}


class CorpError(Exception):
    def __init__(self, errcode: int, message: str):
        super().__init__(message)
        self.errcode, self.message = errcode, message


@dataclass
class Secret:
    kind: str  # "app" or "contacts" (通讯录同步)
    agentid: int | None = None
    visible: list[int] = field(default_factory=lambda: [1])  # department ids the app sees (with their children)
    trusted_ips: list[str] = field(default_factory=list)  # empty: any address
    new_app: bool = False  # made after 2022-06-20: no sensitive fields
    enabled: bool = True
    known_ips: set[str] = field(default_factory=set)  # 通讯录同步: addresses seen before (48009 for new ones)
    check_new_ip: bool = False


@dataclass
class Corp:
    corpid: str
    name: str = ""
    secrets: dict[str, Secret] = field(default_factory=dict)
    departments: dict[int, dict] = field(default_factory=dict)
    members: dict[str, dict] = field(default_factory=dict)  # lower-cased userid → member
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (secret, expires)
    codes: dict[str, dict] = field(default_factory=dict)
    trusted_domains: list[str] = field(default_factory=list)  # host[:port] a redirect_uri may name; empty: any
    auto_create_departments: bool = False
    sent: list[dict] = field(default_factory=list)  # app messages accepted
    per_member: dict[str, list[float]] = field(default_factory=dict)
    dropped: list[dict] = field(default_factory=list)
    app_write_errcode: int = 48002  # an app secret trying a contacts write: 48002 (doc) or 60011 (one capture)
    reuse_tokens: bool = True  # gettoken answers the same token until it expires (2020 page); off: a new one each time
    per_minute: int = 10000  # per corp per API (3b.6); over it → 45009 and the API blocked for 60 s
    per_hour: int = 150000  # per corp per API; over it → 45009 and the API blocked for 60 min
    ip_per_minute: int = 20000  # per calling address per API (whatever the corp); over it → 45009, 60 s
    calls: dict[str, list[float]] = field(default_factory=dict)  # path → call times in the last minute
    blocked_until: dict[str, float] = field(default_factory=dict)


def corps(world: World) -> dict[str, Corp]:
    if not hasattr(world, "wecom_corps") or world.wecom_corps is None:
        world.wecom_corps = {}
    return world.wecom_corps


def reply(errcode: int, errmsg: str, path: str = "", request=None, **extra) -> dict:
    if errcode:
        hint = f"{int(time.time())}_{secrets.token_hex(8)}"
        ip = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        errmsg = (
            f"{errmsg}, hint: [{hint}], from ip: {ip}, "
            f"more info at https://open.work.weixin.qq.com/devtool/query?e={errcode}"
        )
        return {"errcode": errcode, "errmsg": errmsg, **LIST_FIELDS.get(path, {}), **extra}
    return {"errcode": 0, "errmsg": errmsg or "ok", **extra}


def member_object(corp: Corp, member: dict, *, secret: Secret | None) -> dict:
    """A member as user/get answers it: every field, sensitive ones blank for apps made after 2022-06-20."""
    hide = secret is not None and secret.kind == "app" and secret.new_app
    return {
        "userid": member["userid"],
        "name": member["name"],
        "department": list(member["department"]),
        "order": [0] * len(member["department"]),
        "position": member.get("position", ""),
        "mobile": "" if hide else member.get("mobile", ""),
        "gender": "0" if hide else member.get("gender", "0"),
        "email": "" if hide else member.get("email", ""),
        "biz_mail": "",
        "is_leader_in_dept": [0] * len(member["department"]),
        "direct_leader": [],
        "avatar": "",
        "thumb_avatar": "",
        "telephone": "",
        "alias": "",
        "address": "",
        "open_userid": "",
        "main_department": member["department"][0] if member["department"] else 1,
        "extattr": {"attrs": []},
        "status": member["status"],
        "qr_code": "",
        "external_position": "",
        "external_profile": {"external_corp_name": "", "external_attr": []},
    }


def _department_object(dept: dict) -> dict:
    return {
        "id": dept["id"],
        "name": dept["name"],
        "name_en": dept.get("name_en", ""),
        "department_leader": list(dept.get("department_leader", [])),
        "parentid": dept.get("parentid", 0),
        "order": dept.get("order", 0),
    }


def _descendants(corp: Corp, roots: list[int]) -> set[int]:
    seen, todo = set(), list(roots)
    while todo:
        d = todo.pop()
        if d in seen or d not in corp.departments:
            continue
        seen.add(d)
        todo += [c for c, dept in corp.departments.items() if dept.get("parentid") == d]
    return seen


def _visible(corp: Corp, secret: Secret, member: dict) -> bool:
    if secret.kind == "contacts":
        return True
    return bool(set(member["department"]) & _descendants(corp, secret.visible))


def _authenticate(world: World, request, path: str) -> tuple[Corp, str, Secret]:
    token = request.GET.get("access_token", "")
    if not token:
        raise CorpError(41001, "access_token missing")
    for corp in corps(world).values():
        if token in corp.tokens:
            secret_value, expires = corp.tokens[token]
            if world.now() >= expires:
                raise CorpError(42001, "access_token expired")
            secret = corp.secrets.get(secret_value)
            if secret is None or not secret.enabled:
                raise CorpError(40014, "invalid access_token")
            ip = request.META.get("REMOTE_ADDR", "")
            if secret.trusted_ips and ip not in secret.trusted_ips:
                raise CorpError(60020, f"not allow to access from your ip, from ip: {ip}")
            if (
                secret.kind == "contacts"
                and path in CONTACT_READS
                and secret.check_new_ip
                and ip not in secret.known_ips
            ):
                raise CorpError(48009, "api forbidden for contact assistant")
            if secret.kind == "contacts":
                secret.known_ips.add(ip)
            return corp, secret_value, secret
    raise CorpError(40014, "invalid access_token")


def _gettoken(world: World, request) -> dict:
    corpid, corpsecret = request.GET.get("corpid", ""), request.GET.get("corpsecret", "")
    if not corpsecret:
        raise CorpError(41004, "corpsecret missing")
    corp = corps(world).get(corpid)
    if corp is None:
        raise CorpError(40013, "invalid corpid")
    secret = corp.secrets.get(corpsecret)
    if secret is None or not secret.enabled:
        raise CorpError(40001, "invalid credential")
    now = world.now()
    for token, (value, expires) in corp.tokens.items():
        if corp.reuse_tokens and value == corpsecret and expires > now + 60:
            return {"access_token": token, "expires_in": int(expires - now)}  # the same token until expiry
    token = secrets.token_urlsafe(48)
    corp.tokens[token] = (corpsecret, now + TOKEN_TTL)
    return {"access_token": token, "expires_in": TOKEN_TTL}


def _limit(world: World, corp: Corp, path: str, ip: str) -> None:
    """3b.6: per corp per API `per_minute` (blocked 60 s once over) and `per_hour` (blocked 60 min); per calling
    address per API `ip_per_minute` across corps (blocked 60 s). Over any → 45009."""
    now = world.now()
    by_ip = world.__dict__.setdefault("wecom_ip_calls", {})
    windows = [
        (corp.calls, corp.blocked_until, path, 60, corp.per_minute, 60),
        (corp.calls, corp.blocked_until, f"{path}#hour", 3600, corp.per_hour, 3600),
        (by_ip, by_ip.setdefault("#blocked", {}), f"{ip}|{path}", 60, corp.ip_per_minute, 60),
    ]
    for calls, blocked, key, span, limit, block in windows:
        if blocked.get(key, 0) > now:
            raise CorpError(45009, "api freq out of limit")
        recent = [t for t in calls.get(key, []) if now - t < span]
        calls[key] = recent
        if len(recent) >= limit:
            blocked[key] = now + block
            raise CorpError(45009, "api freq out of limit")
    for calls, _blocked, key, *_rest in windows:
        calls[key].append(now)


def _member(corp: Corp, userid) -> dict:
    member = corp.members.get(str(userid or "").lower())
    if member is None:
        raise CorpError(60111, f"invalid string value `{userid}`. userid not found")
    return member


def _check_member_fields(corp: Corp, data: dict, *, creating: bool, userid: str = "") -> None:
    if "name" in data or creating:
        name = data.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 64:
            raise CorpError(60112, "invalid username")
    if "mobile" in data and data["mobile"]:
        if not MOBILE.match(str(data["mobile"])):
            raise CorpError(60103, "mobile invalid")
        for other in corp.members.values():
            if other.get("mobile") == data["mobile"] and other["userid"].lower() != userid.lower():
                raise CorpError(60104, f"mobile existed:{other['userid']}")
    if "email" in data and data["email"]:
        if not EMAIL.match(str(data["email"])):
            raise CorpError(60105, "email invalid")
        for other in corp.members.values():
            if other.get("email") == data["email"] and other["userid"].lower() != userid.lower():
                raise CorpError(60106, "email existed")
    if creating and not data.get("mobile") and not data.get("email"):
        raise CorpError(60129, "mobile and email can not be both empty")
    if "department" in data:
        departments = data["department"]
        if not isinstance(departments, list) or not all(isinstance(d, int) for d in departments):
            raise CorpError(40066, "invalid party list")
        for d in departments:
            if d not in corp.departments:
                if not corp.auto_create_departments:
                    raise CorpError(60123, "invalid party id")
                corp.departments[d] = {"id": d, "name": f"部门{d}", "parentid": 1, "order": 0}


def _in_range(corp: Corp, secret: Secret, departments) -> None:
    if secret.kind == "app" and not set(departments or [1]) <= _descendants(corp, secret.visible):
        raise CorpError(60011, "no privilege to access/modify contact/party/agent")


def _contacts(world: World, request, path: str, corp: Corp, secret: Secret, body: dict) -> dict:
    if path in WRITES or path == "user/list_id":
        if secret.kind != "contacts" and corp.app_write_errcode == 60011:
            raise CorpError(60011, "no privilege to access/modify contact/party/agent")
        if secret.kind != "contacts":
            raise CorpError(48002, "api forbidden")
    if path == "user/create":
        userid = body.get("userid")
        if not isinstance(userid, str) or not USERID.match(userid):
            raise CorpError(40003, "invalid userid")
        if userid.lower() in corp.members:
            raise CorpError(60102, "userid existed")
        _check_member_fields(corp, body, creating=True, userid=userid)
        departments = body.get("department") or [1]
        member = {
            "userid": userid,
            "name": body["name"],
            "department": departments,
            "position": str(body.get("position", ""))[:128],
            "mobile": body.get("mobile", ""),
            "email": body.get("email", ""),
            "gender": str(body.get("gender", "0")),
            "status": 4 if body.get("enable", 1) else 2,
            "creator": False,
        }
        corp.members[userid.lower()] = member
        return reply(0, "created", created_department_list={"department_info": []})
    if path == "user/get":
        member = _member(corp, request.GET.get("userid"))
        _in_range(corp, secret, member["department"])
        return reply(0, "ok", **member_object(corp, member, secret=secret))
    if path == "user/update":
        member = _member(corp, body.get("userid"))
        _check_member_fields(corp, body, creating=False, userid=member["userid"])
        for name in ("name", "position", "email", "gender", "department"):
            if name in body:
                member[name] = body[name]
        if "mobile" in body and member["status"] != 1:  # an activated member's mobile is silently kept
            member["mobile"] = body["mobile"]
        if "enable" in body:
            member["status"] = 2 if not int(body["enable"]) else (1 if member.get("activated") else 4)
        return reply(0, "updated")
    if path == "user/delete":
        member = _member(corp, request.GET.get("userid"))
        if member.get("creator"):
            raise CorpError(301005, "not allow to delete creator")
        del corp.members[member["userid"].lower()]
        return reply(0, "deleted")
    if path == "user/batchdelete":
        userids = body.get("useridlist")
        if not isinstance(userids, list) or not 1 <= len(userids) <= 200:
            raise CorpError(40058, "invalid useridlist")
        members = [_member(corp, u) for u in userids]  # all or none: an unknown one refuses the batch
        if any(m.get("creator") for m in members):
            raise CorpError(301005, "not allow to delete creator")
        for member in members:
            del corp.members[member["userid"].lower()]
        return reply(0, "deleted")
    if path in ("user/simplelist", "user/list"):
        try:
            dept = int(request.GET.get("department_id", "1"))
        except ValueError:
            raise CorpError(40058, "invalid department_id") from None
        if dept not in corp.departments:
            raise CorpError(60123, "invalid party id")
        _in_range(corp, secret, [dept])
        scope = _descendants(corp, [dept]) if request.GET.get("fetch_child") == "1" else {dept}
        members = [m for m in corp.members.values() if set(m["department"]) & scope and _visible(corp, secret, m)]
        if path == "user/simplelist":
            rows = [
                {"userid": m["userid"], "name": m["name"], "department": m["department"], "open_userid": ""}
                for m in members
            ]
        else:
            rows = [member_object(corp, m, secret=secret) for m in members]
        return reply(0, "ok", userlist=rows)
    if path == "user/list_id":
        limit = body.get("limit", 10000)
        if not isinstance(limit, int) or not 1 <= limit <= 10000:
            raise CorpError(40058, "invalid limit")
        cursor = body.get("cursor", "") or ""
        rows = [
            (m["userid"], d) for m in sorted(corp.members.values(), key=lambda m: m["userid"]) for d in m["department"]
        ]
        start = 0
        if cursor:
            try:
                start = int(cursor, 16)
            except ValueError:
                raise CorpError(40058, "invalid cursor") from None
        page = rows[start : start + limit]
        next_cursor = format(start + limit, "x") if start + limit < len(rows) else ""
        return reply(0, "ok", next_cursor=next_cursor, dept_user=[{"userid": u, "department": d} for u, d in page])
    if path in ("department/list", "department/simplelist"):
        raw = request.GET.get("id")
        root = int(raw) if raw and raw.isdigit() else None
        ids = _descendants(corp, [root]) if root is not None else set(corp.departments)
        if secret.kind == "app":
            ids &= _descendants(corp, secret.visible)
        depts = [corp.departments[d] for d in sorted(ids)]
        if path == "department/list":
            return reply(0, "ok", department=[_department_object(d) for d in depts])
        return reply(
            0,
            "ok",
            department_id=[
                {"id": d["id"], "parentid": d.get("parentid", 0), "order": d.get("order", 0)} for d in depts
            ],
        )
    if path == "department/get":
        raw = request.GET.get("id", "")
        dept = corp.departments.get(int(raw)) if raw.isdigit() else None
        if dept is None:
            raise CorpError(60123, "invalid party id")
        _in_range(corp, secret, [dept["id"]])
        return reply(0, "ok", department=_department_object(dept))
    raise AssertionError(path)


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


def _send(world: World, corp: Corp, secret: Secret, body: dict) -> dict:
    if secret.kind != "app":
        raise CorpError(48002, "api forbidden")
    if body.get("agentid") != secret.agentid:
        raise CorpError(301002, "not allow operate another agent with this accesstoken.")
    msgtype = body.get("msgtype")
    if msgtype not in ("text", "markdown", "textcard"):
        raise CorpError(40008, "invalid message type")
    content = body.get(msgtype) or {}
    if msgtype in ("text", "markdown"):
        text = content.get("content", "") if isinstance(content, dict) else ""
        if not text:
            raise CorpError(44004, "empty content")
        if len(text.encode()) > 2048:
            raise CorpError(40058, f"{msgtype}.content exceed max length 2048")
    elif not isinstance(content, dict) or not content.get("description") or not content.get("url"):
        raise CorpError(41016, "missing title or description or url")
    touser = [u for u in str(body.get("touser", "")).split("|") if u]
    if not touser and not body.get("toparty") and not body.get("totag"):
        raise CorpError(40031, "invalid user list")
    everyone = touser == ["@all"]
    valid = [corp.members[u.lower()]["userid"] for u in touser if u.lower() in corp.members] if not everyone else []
    invalid = [u.lower() for u in touser if u.lower() not in corp.members] if not everyone else []
    if touser and not everyone and not valid:
        return reply(81013, "user & party & tag all invalid", invaliduser="|".join(invalid))
    msgid = secrets.token_urlsafe(24)
    now = world.now()
    for userid in valid:
        recent = [t for t in corp.per_member.get(userid, []) if now - t < 3600]
        if len([t for t in recent if now - t < 60]) >= 30 or len(recent) >= 1000:
            corp.dropped.append({"msgid": msgid, "userid": userid})  # dropped silently, as WeCom does
            continue
        corp.per_member[userid] = [*recent, now]
        corp.sent.append({"msgid": msgid, "userid": userid, "msgtype": msgtype, msgtype: content, "time": now})
    return reply(
        0,
        "ok",
        invaliduser="|".join(invalid),
        invalidparty="",
        invalidtag="",
        unlicenseduser="",
        msgid=msgid,
        response_code="",
    )


KNOWN = {
    "gettoken",
    *WRITES,
    *CONTACT_READS,
    "user/list_id",
    "department/simplelist",
    "auth/getuserinfo",
    "user/getuserinfo",
    "message/send",
}


@csrf_exempt
def api(request, rest: str):
    """`/cgi-bin/<rest>`: HTTP 200 with errcode/errmsg for known paths, 404 for others."""
    world = get_world()
    path = rest.strip("/")
    if path not in KNOWN:
        return HttpResponse(status=404)
    raw = read_body(request) if request.method == "POST" else b""
    with world.lock:
        entry = log_call(world, request, "wecom_server", f"/cgi-bin/{path}")
        fault = world.faults.take("wecom", _fault_targets(world, request), f"/cgi-bin/{path}")
    if fault is not None:
        answer = _fault_answer(fault, path, request)
        if answer is not None:
            return finish(entry, answer, f"fault:{fault.kind}")
    with world.lock:
        try:
            body: dict = {}
            if raw:
                try:
                    parsed = parse_json(raw)
                except ValueError:
                    raise CorpError(47001, "data format error") from None
                if not isinstance(parsed, dict):
                    raise CorpError(47001, "data format error")
                body = parsed
            if path == "gettoken":
                data = reply(0, "ok", **_gettoken(world, request))
            else:
                corp, _value, secret = _authenticate(world, request, path)
                _limit(world, corp, path, request.META.get("REMOTE_ADDR", ""))
                if path in ("auth/getuserinfo", "user/getuserinfo"):
                    data = _exchange(world, request, path, corp, secret)
                elif path == "message/send":
                    data = _send(world, corp, secret, body)
                else:
                    data = _contacts(world, request, path, corp, secret, body)
        except CorpError as exc:
            data = reply(exc.errcode, exc.message, path, request)
    if fault is not None and fault.kind == "malformed_json":
        return finish(entry, raw_response(malformed_body(data)), "fault:malformed_json")
    if fault is not None and fault.kind == "wrong_types":
        return finish(entry, json_response(mangle_types(data)), "fault:wrong_types")
    return finish(entry, json_response(data), str(data["errcode"]))


def _fault_targets(world: World, request) -> set[str]:
    """What an armed fault's `target` may name here: the corp id (of gettoken's query or of the token's corp)."""
    corpid = request.GET.get("corpid", "")
    token = request.GET.get("access_token", "")
    for corp in corps(world).values():
        if token and token in corp.tokens:
            corpid = corp.corpid
    return {corpid} if corpid else set()


def _fault_answer(fault, path: str, request) -> HttpResponse | None:
    """An armed fault's answer (None: answer normally, then maybe break the body)."""
    if fault.kind == "timeout":
        time.sleep(fault.delay)
        return gateway_error(504) if fault.then != "process" else None
    if fault.kind == "http_error":
        return gateway_error(fault.status)
    if fault.kind == "rate_limit":
        return json_response(reply(45009, "api freq out of limit", path, request))
    if fault.kind == "concurrency":
        return json_response(reply(45033, "api concurrent out of limit", path, request))
    return None


# --- sign-in pages ------------------------------------------------------------------------------------


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


# --- control API helpers (sandbox.control_api) ------------------------------------------------------------


def corp_set(world: World, body: dict) -> dict:
    """Create or replace a corp: {"corpid", "name", "secrets": {value: {kind, agentid, visible, trusted_ips,
    new_app}}, "departments": [{id, name, parentid}], "members": [{userid, name, department, mobile, …, status}],
    "trusted_domains": [...], "auto_create_departments": bool}."""
    corpid = str(body.get("corpid") or "")
    if not corpid:
        raise ValueError("corpid is required")
    corp = Corp(corpid=corpid, name=str(body.get("name", "")))
    for value, info in (body.get("secrets") or {}).items():
        corp.secrets[value] = Secret(
            kind=info.get("kind", "app"),
            agentid=info.get("agentid"),
            visible=list(info.get("visible", [1])),
            trusted_ips=list(info.get("trusted_ips", [])),
            new_app=bool(info.get("new_app", False)),
            check_new_ip=bool(info.get("check_new_ip", False)),
        )
    corp.departments = {1: {"id": 1, "name": corp.name or corpid, "parentid": 0, "order": 0}}
    for dept in body.get("departments") or []:
        corp.departments[int(dept["id"])] = {
            "id": int(dept["id"]),
            "name": dept["name"],
            "parentid": int(dept.get("parentid", 1)),
            "order": int(dept.get("order", 0)),
            "department_leader": list(dept.get("department_leader", [])),
        }
    for member in body.get("members") or []:
        corp.members[member["userid"].lower()] = {
            "userid": member["userid"],
            "name": member["name"],
            "department": list(member.get("department", [1])),
            "position": member.get("position", ""),
            "mobile": member.get("mobile", ""),
            "email": member.get("email", ""),
            "gender": str(member.get("gender", "0")),
            "status": int(member.get("status", 1)),
            "activated": int(member.get("status", 1)) == 1,
            "creator": bool(member.get("creator", False)),
        }
    corp.trusted_domains = list(body.get("trusted_domains") or [])
    corp.auto_create_departments = bool(body.get("auto_create_departments", False))
    corp.reuse_tokens = bool(body.get("reuse_tokens", True))
    corp.app_write_errcode = int(body.get("app_write_errcode", 48002))
    corp.per_minute = int(body.get("per_minute", 10000))
    corp.per_hour = int(body.get("per_hour", 150000))
    corp.ip_per_minute = int(body.get("ip_per_minute", 20000))
    corps(world)[corpid] = corp
    return corp_summary(corp)


def corp_summary(corp: Corp) -> dict:
    return {
        "corpid": corp.corpid,
        "name": corp.name,
        "departments": [_department_object(d) for d in corp.departments.values()],
        "members": [
            {k: v for k, v in m.items() if k not in ("activated", "creator")}
            for m in sorted(corp.members.values(), key=lambda m: m["userid"])
        ],
        "messages": list(corp.sent),
        "dropped": list(corp.dropped),
    }


def corp_get(world: World, corpid: str) -> Corp:
    corp = corps(world).get(corpid)
    if corp is None:
        raise KeyError(corpid)
    return corp


def secret_set(world: World, corpid: str, body: dict) -> dict:
    """Change one secret as the corp's admin would: {"secret", "trusted_ips", "enabled", "check_new_ip",
    "visible", "new_app"} (trusted IPs apply at once here; WeCom takes about a minute)."""
    corp = corp_get(world, corpid)
    secret = corp.secrets[str(body.get("secret", ""))]
    for name in ("trusted_ips", "visible"):
        if name in body:
            setattr(secret, name, list(body[name]))
    for name in ("enabled", "check_new_ip", "new_app"):
        if name in body:
            setattr(secret, name, bool(body[name]))
    return {
        "kind": secret.kind,
        "agentid": secret.agentid,
        "trusted_ips": secret.trusted_ips,
        "enabled": secret.enabled,
    }


def scan_issue(world: World, corpid: str, body: dict) -> dict:
    """A scan without a browser (for tests): {"userid" (absent: someone outside the corp), "redirect_uri",
    "state"} → {"code", "location"} as WeCom would send the browser back."""
    corp = corp_get(world, corpid)
    redirect_uri, state = str(body.get("redirect_uri", "")), str(body.get("state", ""))
    target = urlsplit(redirect_uri)
    code = secrets.token_urlsafe(32)
    entry: dict = {"expires": world.now() + CODE_TTL, "used": False, "redirect_host": target.netloc}
    member = corp.members.get(str(body.get("userid") or "").lower())
    if member is not None:
        entry["userid"] = member["userid"]
    else:
        entry["openid"], entry["external_userid"] = "o" + secrets.token_hex(12), ""
    corp.codes[code] = entry
    separator = "&" if target.query else "?"
    return {"code": code, "location": f"{redirect_uri}{separator}{urlencode({'code': code, 'state': state})}"}


def expire_tokens(world: World, corpid: str) -> int:
    """Invalidate every token of the corp early (as WeCom may): the next call gets 40014."""
    corp = corp_get(world, corpid)
    count = len(corp.tokens)
    corp.tokens.clear()
    return count
