"""WeCom server API simulator, control API helpers (sandbox.control_api): create or replace a corp, read it back,
change a secret as the corp's admin would, issue a sign-in code without a browser, and expire every token early.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from ..state import World
from .model import CODE_TTL, Corp, Secret, _department_object, corps


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
