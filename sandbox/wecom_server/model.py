"""WeCom server API simulator, the model: its constants (token and code lifetimes, field patterns, the list fields
an error body keeps, the contact paths), `CorpError`, the corp and its secrets as the control API sets them up,
the `errcode`/`errmsg` reply (with WeCom's hint and address on an error), and the member and department objects
with the department visibility an app secret has.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field

from ..state import World

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
