"""WeCom server API simulator, contacts: member create, get, update, delete and batch delete, the member lists
(simple, full, ids with a cursor) and the department reads, each checked against the secret's kind and visible
range and answering WeCom's error codes.
"""

from __future__ import annotations

from ..state import World
from .model import (
    EMAIL,
    MOBILE,
    USERID,
    WRITES,
    Corp,
    CorpError,
    Secret,
    _department_object,
    _descendants,
    _visible,
    member_object,
    reply,
)


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
