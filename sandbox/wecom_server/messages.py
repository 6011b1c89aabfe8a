"""WeCom server API simulator, app messages: `message/send` for text, markdown and text cards, checked against the
secret's agent, with the invalid users named and messages over a member's per-minute or per-hour allowance
dropped silently, as WeCom does.
"""

from __future__ import annotations

import secrets

from ..state import World
from .model import Corp, CorpError, Secret, reply


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
