"""Control API, WeCom: group robots and the messages they received, and the server API's corps
(sandbox/wecom_server/): a corp set or read, its tokens expired, a secret changed, a sign-in scan, a member
changed as the corp's admin would.
"""

import uuid

from .. import wecom_server
from ..state import Robot, World
from .base import ControlError, route


@route("POST", "wecom/robots")
def robot_create(world: World, body: dict) -> dict:
    key = str(body.get("key") or uuid.uuid4())
    world.robots[key] = Robot(
        key=key, name=body.get("name") or f"Group {len(world.robots) + 1}", created_at=world.now()
    )
    return {"key": key, "name": world.robots[key].name}


@route("GET", "wecom/messages")
def messages(world: World, body: dict, query=None) -> dict:
    key = query.get("key") if query else None
    since = int(query.get("since_id", 0)) if query else 0
    rows = [m.as_dict() for m in world.messages if (key is None or m.key == key) and m.id > since]
    return {"messages": rows}


# --- WeCom server API (sandbox/wecom_server/) -----------------------------------------------------------


@route("POST", "wecom/corps")
def wecom_corp_set(world: World, body: dict) -> dict:
    try:
        return wecom_server.corp_set(world, body)
    except (ValueError, KeyError, TypeError) as exc:
        raise ControlError(f"bad corp: {exc}") from None


@route("GET", r"wecom/corps/(?P<corpid>[^/]+)")
def wecom_corp_get(world: World, body: dict, corpid: str) -> dict:
    try:
        return wecom_server.corp_summary(wecom_server.corp_get(world, corpid))
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/expire-tokens")
def wecom_corp_expire(world: World, body: dict, corpid: str) -> dict:
    try:
        return {"expired": wecom_server.expire_tokens(world, corpid)}
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/secret")
def wecom_secret_set(world: World, body: dict, corpid: str) -> dict:
    """Change one secret of the corp: its trusted IPs (60020), enabled (40001), visible range, new-IP check."""
    try:
        return wecom_server.secret_set(world, corpid, body)
    except KeyError:
        raise ControlError(f"unknown corp or secret in {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/scan")
def wecom_scan(world: World, body: dict, corpid: str) -> dict:
    """Issue a sign-in code as if `userid` had scanned: {"userid", "redirect_uri", "state"} → {code, location}."""
    try:
        return wecom_server.scan_issue(world, corpid, body)
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/members/(?P<userid>[^/]+)")
def wecom_member_set(world: World, body: dict, corpid: str, userid: str) -> dict:
    """Change a member as the corp's admin would in WeCom's console: {"status": 1|2|4|5, "name": …}."""
    try:
        corp = wecom_server.corp_get(world, corpid)
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None
    member = corp.members.get(userid.lower())
    if member is None:
        raise ControlError(f"unknown member {userid}", status=404)
    for name in ("status", "name", "mobile", "department"):
        if name in body:
            member[name] = body[name]
    member["activated"] = member.get("activated") or member["status"] == 1
    return {k: v for k, v in member.items() if k not in ("activated", "creator")}
