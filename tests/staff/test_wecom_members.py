"""create_member / disable_member (staff.wecom_services), called by the lifecycle on joining and leaving, against
the simulated WeCom over HTTP: a member created (not yet activated, status 4) or disabled (status 2); skipped when
the company does not manage WeCom members; every WeCom error and a network failure turned into words in Chinese with
what to do — never raised."""

from __future__ import annotations

import re

import pytest

from audit.models import AuditEvent
from staff.models import WeComSettings
from staff.wecom_client import NETWORK, WeComError
from staff.wecom_services import ERROR_WORDS, create_member, disable_member, error_words
from tests.factories import StaffFactory, SuperuserFactory
from tests.staff.wecom_fixtures import APP_SECRET, CONTACTS_SECRET, wecom  # noqa: F401

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def member(wecom, userid):  # noqa: F811
    return {m["userid"]: m for m in wecom.control.wecom_corp_get(wecom.corpid)["members"]}.get(userid)


def test_joining_creates_the_member_not_yet_activated(wecom):  # noqa: F811
    person = StaffFactory(name="王芳", wecom_userid="", employee_id="E2001", mobile="13900000021")
    outcome = create_member(person, actor=SuperuserFactory())
    assert outcome.ok and not outcome.skipped and outcome.errcode is None
    person.refresh_from_db()
    assert person.wecom_userid == "E2001"
    created = member(wecom, "E2001")
    assert created["name"] == "王芳" and created["mobile"] == "13900000021" and created["status"] == 4
    assert AuditEvent.objects.filter(action="wecom.member_create", target_id=str(person.pk)).exists()


def test_leaving_disables_the_member(wecom):  # noqa: F811
    person = StaffFactory(wecom_userid="ZhangWei")
    outcome = disable_member(person, actor=SuperuserFactory())
    assert outcome.ok
    assert member(wecom, "zhangwei")["status"] == 2
    event = AuditEvent.objects.get(action="wecom.member_disable")
    assert CONTACTS_SECRET not in str(event.after)


@pytest.mark.parametrize("switch", ["sync_off", "not_configured"])
def test_skipped_when_the_company_does_not_manage_wecom_members(wecom, switch):  # noqa: F811
    if switch == "sync_off":
        WeComSettings.objects.filter(pk=1).update(sync_members=False)
    else:
        WeComSettings.objects.all().delete()
    person = StaffFactory(wecom_userid="zhangwei", mobile="13900000022")
    for call in (create_member, disable_member):
        outcome = call(person, actor=SuperuserFactory())
        assert outcome.skipped and not outcome.ok and outcome.what_to_do
    assert member(wecom, "zhangwei")["status"] == 1


@pytest.mark.parametrize(
    "setup, person, errcode",
    [
        (None, {"wecom_userid": "ZHANGWEI", "mobile": "13900000023"}, 60102),
        (None, {"wecom_userid": "newone", "mobile": "13700000001"}, 60104),
        (None, {"wecom_userid": "newone", "mobile": "", "email": ""}, 60129),
        ("app_secret_as_contacts", {"wecom_userid": "newone", "mobile": "13900000024"}, 48002),
        ("wrong_secret", {"wecom_userid": "newone", "mobile": "13900000025"}, 40001),
        ("untrusted_ip", {"wecom_userid": "newone", "mobile": "13900000026"}, 60020),
        ("unreachable", {"wecom_userid": "newone", "mobile": "13900000027"}, NETWORK),
    ],
)
def test_every_failure_is_said_in_chinese_with_what_to_do(wecom, settings, setup, person, errcode):  # noqa: F811
    if setup == "app_secret_as_contacts":
        config = WeComSettings.current()
        config.contacts_secret = APP_SECRET
        config.save()
    elif setup == "wrong_secret":
        config = WeComSettings.current()
        config.contacts_secret = "reset-in-wecom"
        config.save()
    elif setup == "untrusted_ip":
        wecom.control.wecom_secret(wecom.corpid, CONTACTS_SECRET, trusted_ips=["203.0.113.9"])
    elif setup == "unreachable":
        settings.WECOM_BASE_URL = "http://127.0.0.1:9"
    staff = StaffFactory(**person)
    outcome = create_member(staff, actor=SuperuserFactory())
    assert not outcome.ok and not outcome.skipped and outcome.errcode == errcode
    assert CHINESE.search(outcome.message) and CHINESE.search(outcome.what_to_do)
    assert CONTACTS_SECRET not in outcome.message + outcome.what_to_do


def test_disabling_a_member_wecom_does_not_know_is_said_in_words(wecom):  # noqa: F811
    outcome = disable_member(StaffFactory(wecom_userid="ghost"), actor=SuperuserFactory())
    assert outcome.errcode == 60111 and CHINESE.search(outcome.message)


@pytest.mark.parametrize("errcode", sorted(ERROR_WORDS))
def test_each_known_error_has_chinese_words(errcode):
    message, what = error_words(WeComError(errcode, "x"))
    assert CHINESE.search(message) and CHINESE.search(what)
