"""WeCom (企业微信) as the staff directory: the company's settings, members created on joining and disabled on
leaving, the directory read for import, and every WeCom error in words with what to do.

`create_member` and `disable_member` never raise for WeCom's answer or a network failure: they return a
WeComOutcome, and the lifecycle turns one that failed into a checklist item done by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import SECRET_MARK, record
from core.permissions import permissions_of

from . import services as staff_services
from .models import Department, Staff, WeComSettings
from .wecom_client import NETWORK, WeComClient, WeComError

# errcode → (what happened, what to do), in the user's language
ERROR_WORDS = {
    NETWORK: (
        gettext_lazy("WeCom could not be reached."),
        gettext_lazy("Try again later; if it keeps failing, check this server's connection to qyapi.weixin.qq.com."),
    ),
    40001: (
        gettext_lazy("WeCom refused the secret (wrong, reset, or the app is disabled)."),
        gettext_lazy("Copy the secret again from WeCom's admin console and save it on the WeCom settings page."),
    ),
    40013: (gettext_lazy("WeCom does not know this corp ID."), gettext_lazy("Check the corp ID (我的企业 → 企业ID).")),
    40014: (gettext_lazy("WeCom refused the access token."), gettext_lazy("Try again; a new token is fetched.")),
    42001: (gettext_lazy("The access token expired."), gettext_lazy("Try again; a new token is fetched.")),
    48002: (
        gettext_lazy("This secret may not do that (an app secret cannot change contacts)."),
        gettext_lazy("Save the 通讯录同步 (contacts sync) secret with API editing switched on."),
    ),
    48009: (
        gettext_lazy("WeCom refuses contact reads with the contacts-sync secret from a new address."),
        gettext_lazy("Read the directory with the app secret, or add this server's address to the trusted IPs."),
    ),
    60011: (
        gettext_lazy("The member or department is outside what this app may see or change."),
        gettext_lazy("In WeCom's admin console widen the app's visible range (可见范围), or do this by hand."),
    ),
    60020: (
        gettext_lazy("WeCom refuses calls from this server's address."),
        gettext_lazy("Add this server's public IP to the app's 企业可信IP in WeCom's admin console."),
    ),
    60102: (
        gettext_lazy("A WeCom member with this userid already exists."),
        gettext_lazy("Link the existing member (set the WeCom userid on the staff page) or choose another userid."),
    ),
    60104: (
        gettext_lazy("Another WeCom member already has this mobile number."),
        gettext_lazy("Check who holds the number in WeCom; link that member or correct the number."),
    ),
    60106: (gettext_lazy("Another WeCom member already has this email."), gettext_lazy("Correct the email.")),
    60111: (
        gettext_lazy("WeCom has no member with this userid."),
        gettext_lazy("Check the WeCom userid on the staff page; the member may have been deleted already."),
    ),
    60112: (gettext_lazy("WeCom refused the name."), gettext_lazy("Use a name of 1 to 64 characters.")),
    60123: (gettext_lazy("WeCom does not know the department."), gettext_lazy("Choose an existing department.")),
    60129: (
        gettext_lazy("WeCom needs a mobile number or an email for a new member."),
        gettext_lazy("Add the person's mobile number on the staff page, then try again."),
    ),
    301005: (gettext_lazy("WeCom's creator account cannot be deleted."), gettext_lazy("Leave it as it is.")),
    45009: (gettext_lazy("WeCom's rate limit was reached."), gettext_lazy("Try again in a minute.")),
    45033: (gettext_lazy("WeCom is busy with too many calls at once."), gettext_lazy("Try again in a moment.")),
    40029: (gettext_lazy("The WeCom code has expired or was already used."), gettext_lazy("Scan again.")),
    50001: (
        gettext_lazy("WeCom does not trust this site's address for signing in."),
        gettext_lazy(
            "An administrator sets this site's domain as the app's trusted domain (可信域名) in WeCom's admin console."
        ),
    ),
}


@dataclass
class WeComOutcome:
    ok: bool
    skipped: bool = False
    errcode: int | None = None
    message: str = ""
    what_to_do: str = ""
    details: dict = field(default_factory=dict)


def error_words(exc: WeComError) -> tuple[str, str]:
    words = ERROR_WORDS.get(exc.errcode)
    if words is None:
        return (
            _("WeCom answered error %(code)s: %(message)s") % {"code": exc.errcode, "message": exc.errmsg},
            _("Do this step by hand in WeCom's admin console."),
        )
    return str(words[0]), str(words[1])


def _failed(exc: WeComError) -> WeComOutcome:
    message, what = error_words(exc)
    return WeComOutcome(ok=False, errcode=exc.errcode, message=message, what_to_do=what)


def _skipped(message: str) -> WeComOutcome:
    return WeComOutcome(ok=False, skipped=True, message=message, what_to_do=_("Do this step by hand in WeCom."))


def contacts_client(config: WeComSettings) -> WeComClient:
    return WeComClient(config.corp_id, config.contacts_secret)


def app_client(config: WeComSettings) -> WeComClient:
    return WeComClient(config.corp_id, config.app_secret)


def disable_member(person: Staff, *, actor) -> WeComOutcome:
    """Disable the person's WeCom member (enable 0 → status 2: 已禁用) through the contacts-sync secret."""
    config = WeComSettings.current()
    if not (config.sync_members and config.corp_id and config.contacts_secret):
        return _skipped(_("ShopCrew does not manage WeCom members for this company."))
    if not person.wecom_userid:
        return _skipped(_("No WeCom userid is recorded for %(name)s.") % {"name": person})
    try:
        with contacts_client(config) as client:
            client.update_member(person.wecom_userid, enable=0)
    except WeComError as exc:
        outcome = _failed(exc)
        record(
            "wecom.member_disable",
            target=person,
            after={"userid": person.wecom_userid, "ok": False, "errcode": exc.errcode},
            reason=outcome.message,
        )
        return outcome
    record("wecom.member_disable", target=person, after={"userid": person.wecom_userid, "ok": True})
    return WeComOutcome(ok=True)


def create_member(person: Staff, *, actor, department_id: int = 1) -> WeComOutcome:
    """Create the person's WeCom member (userid = their WeCom userid, else their employee ID)."""
    config = WeComSettings.current()
    if not (config.sync_members and config.corp_id and config.contacts_secret):
        return _skipped(_("ShopCrew does not manage WeCom members for this company."))
    userid = person.wecom_userid or (person.employee_id or "")
    if not userid:
        return _skipped(_("%(name)s has neither a WeCom userid nor an employee ID.") % {"name": person})
    member = {"userid": userid, "name": person.name or person.username, "department": [department_id]}
    if person.mobile:
        member["mobile"] = person.mobile
    if person.email:
        member["email"] = person.email
    if person.position_id:
        member["position"] = str(person.position)[:128]
    try:
        with contacts_client(config) as client:
            client.create_member(member)
    except WeComError as exc:
        outcome = _failed(exc)
        record("wecom.member_create", target=person, after={"userid": userid, "ok": False, "errcode": exc.errcode})
        return outcome
    if not person.wecom_userid:
        Staff.objects.filter(pk=person.pk).update(wecom_userid=userid)
        person.wecom_userid = userid
    record("wecom.member_create", target=person, after={"userid": userid, "ok": True})
    return WeComOutcome(ok=True, details={"userid": userid})


# --- settings ----------------------------------------------------------------------------------------------

SETTINGS_FIELDS = ("corp_id", "agent_id", "sign_in_enabled", "sync_members")
SECRET_FIELDS = ("app_secret", "contacts_secret")


def wecom_settings_editable_by(actor) -> bool:
    return permissions_of(actor).super_admin


@transaction.atomic
def wecom_settings_update(*, actor, data: dict) -> WeComSettings:
    """Save the company's WeCom settings (super admins). A secret left empty keeps the one saved; the audit
    event says a secret changed, never its value."""
    if not wecom_settings_editable_by(actor):
        raise PermissionDenied(_("Only a super admin may change the WeCom settings."))
    config = WeComSettings.objects.select_for_update().filter(pk=1).first() or WeComSettings(pk=1)
    before = {name: getattr(config, name) for name in SETTINGS_FIELDS}
    before.update({name: SECRET_MARK if getattr(config, name) else "" for name in SECRET_FIELDS})
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(config, name, data[name])
    changed_secrets = []
    for name in SECRET_FIELDS:
        if data.get(name):
            setattr(config, name, data[name])
            changed_secrets.append(name)
    config.save()
    after = {name: getattr(config, name) for name in SETTINGS_FIELDS}
    after.update({name: SECRET_MARK if getattr(config, name) else "" for name in SECRET_FIELDS})
    for name in changed_secrets:
        before[name] = "" if before[name] == "" else "•••"  # a secret replaced shows as a change
    record("wecom.settings_update", target=config, target_label=str(config), before=before, after=after)
    return config


# --- directory import --------------------------------------------------------------------------------------

CREATE, LINK, KEEP = "create", "link", "keep"


@dataclass
class DirectoryRow:
    """One WeCom member beside the staff: what the import will do with them ("create", "link" or "keep") and why."""

    userid: str
    name: str
    mobile: str
    departments: list[str]
    action: str
    staff: Staff | None = None
    why: str = ""


@dataclass
class DepartmentRow:
    """One WeCom department: created in ShopCrew under the same name, or already there."""

    wecom_id: int
    name: str
    action: str
    department: Department | None = None


@dataclass
class DirectoryPreview:
    departments: list[DepartmentRow]
    members: list[DirectoryRow]

    def count(self, action: str) -> int:
        return sum(1 for row in [*self.departments, *self.members] if row.action == action)


def _require_super_admin(actor, message: str) -> None:
    if not permissions_of(actor).super_admin:
        raise PermissionDenied(message)


def _member_row(member: dict, names: dict[int, str], by_userid: dict, by_mobile: dict) -> DirectoryRow:
    userid, mobile = str(member.get("userid", "")), str(member.get("mobile", "") or "")
    departments = [names.get(d, str(d)) for d in member.get("department") or [] if d != 1]
    row = DirectoryRow(
        userid=userid, name=str(member.get("name", "")), mobile=mobile, departments=departments, action=""
    )
    linked, same_mobile = by_userid.get(userid.lower()), by_mobile.get(mobile) if mobile else None
    if linked is not None:
        row.action, row.staff, row.why = KEEP, linked, _("already linked to this WeCom member")
    elif same_mobile is not None and not same_mobile.wecom_userid:
        row.action, row.staff, row.why = LINK, same_mobile, _("same mobile number")
    elif same_mobile is not None:
        row.action, row.staff = KEEP, same_mobile
        row.why = _("same mobile number, but linked to another WeCom member: left alone")
    elif member.get("status") in (2, 5):
        row.action, row.why = KEEP, _("disabled or left in WeCom: not created")
    else:
        row.action, row.why = CREATE, _("not in ShopCrew yet")
    return row


def directory_preview(*, actor) -> DirectoryPreview:
    """WeCom's departments and members beside ShopCrew's: departments created under the same name or already
    there; members already linked (left alone), matched by mobile (linked) or new (created). Reads WeCom with the
    app secret (its visible range); raises WeComError when WeCom refuses. Super admins only. Writes nothing."""
    _require_super_admin(actor, _("Only a super admin may import the WeCom directory."))
    config = WeComSettings.current()
    with app_client(config) as client:
        wecom_departments = client.departments()
        members = client.members(1)
    existing = {d.name: d for d in Department.objects.all()}
    departments = [
        DepartmentRow(d["id"], d["name"], KEEP if d["name"] in existing else CREATE, existing.get(d["name"]))
        for d in wecom_departments
        if d.get("id") != 1  # the root is the company itself
    ]
    names = {d["id"]: d["name"] for d in wecom_departments}
    staff = list(Staff.objects.only("pk", "name", "username", "wecom_userid", "mobile"))
    by_userid = {s.wecom_userid.lower(): s for s in staff if s.wecom_userid}
    by_mobile = {s.mobile: s for s in staff if s.mobile}
    return DirectoryPreview(departments, [_member_row(m, names, by_userid, by_mobile) for m in members])


@transaction.atomic
def directory_apply(*, actor) -> dict:
    """Read WeCom again and do what the preview shows, all or nothing: missing departments created, matched staff
    linked, new colleagues created (no password: they sign in with WeCom, or an administrator sets one) in their
    WeCom department. Every change goes through the staff services (each audited) and one "wecom.directory_import"
    event sums it up. Raises WeComError when WeCom refuses (nothing is written then)."""
    preview = directory_preview(actor=actor)
    departments = {d.name: d for d in Department.objects.all()}
    for row in preview.departments:
        if row.action == CREATE and row.name not in departments:
            departments[row.name] = staff_services.department_create(actor=actor, name=row.name)
    for member in preview.members:
        if member.action == LINK and member.staff is not None:
            staff_services.staff_update(actor=actor, staff=member.staff, data={"wecom_userid": member.userid})
        elif member.action == CREATE:
            staff_services.staff_create(
                actor=actor,
                username=f"wecom-{member.userid}".lower()[:150],
                name=member.name[:150],
                password=None,
                mobile=member.mobile if len(member.mobile) <= 20 else "",
                wecom_userid=member.userid,
                department=next((departments[n] for n in member.departments if n in departments), None),
            )
    summary = {
        "departments_created": sum(1 for d in preview.departments if d.action == CREATE),
        "members_created": sum(1 for m in preview.members if m.action == CREATE),
        "members_linked": sum(1 for m in preview.members if m.action == LINK),
        "left_alone": sum(1 for m in preview.members if m.action == KEEP),
    }
    record(
        "wecom.directory_import", target_type="staff.wecomsettings", target_id=1, target_label="WeCom", after=summary
    )
    return summary
