"""The directory import (issue 11, item 1): WeCom's departments and members read over HTTP from the simulator,
matched to staff by userid or mobile, previewed ("will create / will link / left alone" with reasons), then
applied all or nothing through the staff services, each change audited."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from core.testing import verified_login
from staff.models import Department, Staff
from staff.wecom_services import directory_apply, directory_preview
from tests.factories import StaffFactory, SuperuserFactory

from .wecom_fixtures import AGENT_ID, APP_SECRET, CONTACTS_SECRET, wecom  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/staff/wecom/directory/"


@pytest.fixture
def people(wecom):  # noqa: F811
    """zhangwei is linked already; 李芳 has lifang's mobile but no userid (to link); 老板 (creator) is new."""
    wecom.control.wecom_member(wecom.corpid, "creator", status=1)
    linked = StaffFactory(name="张伟", wecom_userid="ZhangWei")
    by_mobile = StaffFactory(name="李芳", mobile="13700000002", wecom_userid="")
    return linked, by_mobile


def test_the_preview_says_what_will_happen_and_why_and_writes_nothing(client, people):
    admin = SuperuserFactory()
    verified_login(client, admin)
    before = (Staff.objects.count(), Department.objects.count(), AuditEvent.objects.count())
    page = client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    preview = {row.userid: row for row in page.context["preview"].members}
    assert preview["zhangwei"].action == "keep" and preview["zhangwei"].staff == people[0]
    assert preview["lifang"].action == "link" and preview["lifang"].staff == people[1]
    assert preview["creator"].action == "create"
    assert {row.name: row.action for row in page.context["preview"].departments} == {
        "客服部": "create",
        "仓储部": "create",
    }
    assert "将关联" in text and "将创建" in text and "手机号相同" in text
    assert (Staff.objects.count(), Department.objects.count(), AuditEvent.objects.count()) == before


def test_apply_links_creates_and_audits_in_one_go(client, people):
    admin = SuperuserFactory()
    verified_login(client, admin)
    response = client.post(URL)
    assert response.status_code == 302
    people[1].refresh_from_db()
    assert people[1].wecom_userid == "lifang"
    created = Staff.objects.get(wecom_userid="creator")
    assert created.name == "老板" and not created.has_usable_password() and created.mobile == "13700000009"
    assert set(Department.objects.values_list("name", flat=True)) >= {"客服部", "仓储部"}
    summary = AuditEvent.objects.get(action="wecom.directory_import").after
    assert summary == {"departments_created": 2, "members_created": 1, "members_linked": 1, "left_alone": 1}
    assert AuditEvent.objects.filter(action="staff.create", target_id=str(created.pk)).exists()
    assert AuditEvent.objects.filter(action="staff.update", target_id=str(people[1].pk)).exists()


def test_apply_is_all_or_nothing(people):
    """A member whose new account cannot be saved (the username is taken) rolls the whole import back."""
    admin = SuperuserFactory()
    StaffFactory(username="wecom-creator")
    with pytest.raises(Exception):  # noqa: B017 - whichever refusal the staff service raises
        directory_apply(actor=admin)
    people[1].refresh_from_db()
    assert people[1].wecom_userid == "" and not Department.objects.filter(name="客服部").exists()
    assert not AuditEvent.objects.filter(action="wecom.directory_import").exists()


def test_a_wecom_refusal_is_shown_in_words(client, wecom):  # noqa: F811
    wecom.control.wecom_corp({"corpid": wecom.corpid, "secrets": {}})  # the app secret was reset in WeCom
    verified_login(client, SuperuserFactory())
    page = client.get(URL)
    assert page.status_code == 200 and "企业微信拒绝了该 Secret" in page.content.decode()


def test_only_super_admins_preview(people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        directory_preview(actor=StaffFactory())


def test_the_preview_page_queries_do_not_grow_with_the_directory(client, wecom):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = SuperuserFactory()
    verified_login(client, admin)

    def queries_for(size: int) -> int:
        members = [
            {"userid": f"m{n:03d}", "name": f"成员{n}", "department": [2], "mobile": f"139{size:02d}{n:06d}"}
            for n in range(size)
        ]
        secrets = {APP_SECRET: {"kind": "app", "agentid": AGENT_ID}, CONTACTS_SECRET: {"kind": "contacts"}}
        departments = [{"id": 2, "name": "客服部"}]
        wecom.control.wecom_corp(
            {"corpid": wecom.corpid, "secrets": secrets, "departments": departments, "members": members}
        )
        for n in range(0, size, 2):  # half of them are staff: some linked already, some matched by mobile
            StaffFactory(mobile=f"139{size:02d}{n:06d}", wecom_userid=f"m{n:03d}" if n % 4 == 0 else "")
        with CaptureQueriesContext(connection) as captured:
            page = client.get(URL)
        assert page.status_code == 200 and len(page.context["preview"].members) == size
        return len(captured.captured_queries)

    client.get(URL)  # the first page of a session warms its caches
    small = queries_for(4)
    assert queries_for(60) == small
