"""Audit log pages: scoping, filters, newest first, a fixed number of queries, detail, CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from core import context
from tests.factories import StaffFactory, SuperuserFactory

from .conftest import store_events

pytestmark = pytest.mark.django_db

LIST, EXPORT = "/audit/", "/audit/export/"


def detail(event):
    return f"/audit/{event.pk}/"


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_super_admin_sees_everything_newest_first(client, login, two_stores):
    first, second = two_stores
    store_events(first, 3)
    store_events(second, 2)
    login(SuperuserFactory())  # records a store-less auth.login
    response = client.get(LIST)
    assert response.status_code == 200
    events = list(response.context["events"])
    assert len(events) == 6 and events[0].action == "auth.login"
    assert [e.pk for e in events] == sorted((e.pk for e in events), reverse=True)


@pytest.mark.parametrize("count", [5, 160])
def test_list_takes_a_fixed_number_of_queries(client, login, two_stores, django_assert_max_num_queries, count):
    store_events(two_stores[0], count // 2)
    store_events(two_stores[1], count - count // 2)
    login(SuperuserFactory())
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"q": "改名", "source": "web"})
    assert response.status_code == 200
    assert len(response.context["events"]) == min(count, 50)


def test_store_viewer_sees_only_their_stores_events(client, login, two_stores, store_viewer):
    first, second = two_stores
    mine = store_events(first, 2)
    theirs = store_events(second, 2)
    companywide = record("department.create", target_type="staff.department", target_id=1, target_label="财务")
    login(store_viewer)

    response = client.get(LIST)
    assert response.status_code == 200
    assert {e.pk for e in response.context["events"]} == {e.pk for e in mine}
    assert list(response.context["filterset"].form.fields["store"].queryset) == [first]

    assert client.get(detail(mine[0])).status_code == 200
    assert client.get(detail(theirs[0])).status_code == 404
    assert client.get(detail(companywide)).status_code == 404
    other = client.get(LIST, {"store": second.pk})  # not a choice for this viewer: refused (400), nothing leaks
    assert other.status_code == 400 and "store" in other.context["filterset"].errors
    assert list(other.context["events"]) == []

    rows = csv_rows(client.get(EXPORT))
    assert len(rows) == 1 + 2 and {row[3] for row in rows[1:]} == {first.name}


def test_people_without_users_view_are_refused(client, login, two_stores):
    event = store_events(two_stores[0], 1)[0]
    login(StaffFactory())
    assert client.get(LIST).status_code == 403
    assert client.get(detail(event)).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(LIST).url.startswith("/accounts/login/?next=")
    assert client.get(EXPORT).url.startswith("/accounts/login/?next=")


def test_filters(client, login, two_stores):
    first, second = two_stores
    actor = StaffFactory(name="王小明")
    store_events(first, 2, actor=actor)
    store_events(second, 1, action="store.archive")
    with context.bound(source="api"):
        record("staff.update", target_type="staff.staff", target_id=7, target_label="李四", reason="调岗到仓储")
    login(SuperuserFactory())

    def found(**params):
        return sorted(e.action for e in client.get(LIST, params).context["events"])

    assert found(action="store.") == ["store.archive", "store.update", "store.update"]
    assert found(action="staff") == ["staff.update"]
    assert found(q="仓储") == ["staff.update"]
    assert found(q="李四") == ["staff.update"]
    assert found(q="王小明") == ["store.update", "store.update"]
    assert found(actor="小明") == found(actor=str(actor.pk)) == ["store.update", "store.update"]
    assert found(store=second.pk) == ["store.archive"]
    assert found(source="api") == ["staff.update"]
    today = timezone.localdate()
    assert len(found(since=today.isoformat(), until=today.isoformat())) == 5
    assert found(since=(today + timedelta(days=1)).isoformat()) == []
    assert found(until=(today - timedelta(days=1)).isoformat()) == []


def test_pages_go_older_and_newer_by_key_keeping_the_filters_and_counting_nothing(
    client, login, two_stores, django_assert_max_num_queries
):
    store_events(two_stores[0], 60)
    record("staff.update", target_type="staff.staff", target_id=7, target_label="李四")
    login(SuperuserFactory())
    first = client.get(LIST, {"action": "store."})
    newest = [e.pk for e in first.context["events"]]
    assert len(newest) == 50 and first.context["newer_url"] == "" and first.context["newest_url"] == ""
    older_url = first.context["older_url"]
    assert older_url == f"?action=store.&before={newest[-1]}"
    assert older_url.replace("&", "&amp;").encode() in first.content
    with CaptureQueriesContext(connection) as queries:
        second = client.get(LIST + older_url)
    assert not [q for q in queries if "COUNT(" in q["sql"].upper() or "OFFSET" in q["sql"].upper()]
    older = [e.pk for e in second.context["events"]]
    assert len(older) == 10 and max(older) < min(newest) and second.context["older_url"] == ""
    assert all(e.action.startswith("store.") for e in second.context["events"])
    back = client.get(LIST + second.context["newer_url"])
    assert [e.pk for e in back.context["events"]] == newest
    assert client.get(LIST + second.context["newest_url"]).context["events"][0].pk == newest[0]


def test_a_malformed_page_key_says_so_and_shows_the_newest(client, login, two_stores):
    store_events(two_stores[0], 3)
    login(SuperuserFactory())
    response = client.get(LIST, {"before": "abc"})
    assert response.status_code == 400 and len(response.context["events"]) == 4  # with the sign-in


def test_detail_shows_before_and_after_as_a_field_table(client, login):
    with context.bound(source="web", actor_display="张经理"):
        event = record(
            "staff.update",
            target_type="staff.staff",
            target_id=3,
            target_label="张三",
            before={"name": "张三", "mobile": "13800000000", "notes": ""},
            after={"name": "张三丰", "mobile": "13800000000", "notes": "调岗"},
        )
    login(SuperuserFactory())
    response = client.get(detail(event))
    assert response.status_code == 200
    assert response.context["changes"] == [
        {"field": "name", "before": "张三", "after": "张三丰"},
        {"field": "notes", "before": "", "after": "调岗"},
    ]
    assert "张三丰" in response.content.decode()


def test_export_is_filtered_streamed_excel_friendly_and_audited(client, login, two_stores):
    first, second = two_stores
    store_events(first, 3)
    store_events(second, 1)
    record("store.update", store=first, target=first, target_label='=HYPERLINK("http://x")', reason="公式")
    admin = SuperuserFactory()
    login(admin)
    response = client.get(EXPORT, {"store": first.pk, "action": "store."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-events-')
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    assert len(header) == 14 and len(body) == 4
    assert all(row[3] == "上海一店" for row in body)
    assert header[4:6] == ["操作", "操作代码"] and body[0][4:7] == ["店铺 · 修改", "store.update", "店铺"]  # in words
    assert body[0][8] == '\'=HYPERLINK("http://x")'  # newest first, and no formula for Excel to run
    assert '"name": "新名0"' in body[-1][10]

    event = AuditEvent.objects.get(action="audit.export")
    assert event.actor_id == admin.pk
    assert event.after == {"filters": {"store": str(first.pk), "action": "store."}, "rows": 4}


def test_export_refuses_an_invalid_filter(client, login):
    login(SuperuserFactory())
    assert client.get(EXPORT, {"since": "not-a-date"}).status_code == 400
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_actor_and_department_filters_are_choosers_naming_only_people_the_viewer_may_see(
    client, login, two_stores, store_viewer
):
    from staff.models import Department

    first, second = two_stores
    department = Department.objects.create(name="客服部")
    colleague = StaffFactory(name="王小明", department=department)
    with context.bound(source="web", actor_id=colleague.pk, actor_display=str(colleague)):
        record("store.update", target=first, store=first, reason="改名")
    record("store.update", target=first, store=first, reason="改名")
    login(SuperuserFactory())
    response = client.get(LIST, {"department": department.pk})
    assert [e.actor_id for e in response.context["events"]] == [colleague.pk]
    body = response.content.decode()
    assert 'name="department"' in body and 'data-chooser-url="/staff/departments/lookup/' in body
    assert f'<option value="{colleague.pk}" selected>' not in body
    body = client.get(LIST, {"actor": colleague.pk}).content.decode()
    assert f'<option value="{colleague.pk}" selected>{colleague}</option>' in body
    # a viewer who may not see that person is shown the id, never the name
    client.logout()
    login(store_viewer)
    body = client.get(LIST, {"actor": colleague.pk}).content.decode()
    assert "王小明" not in body.split('name="actor"', 1)[1].split("</select>", 1)[0]


def test_search_finds_words_in_any_field_and_actions_by_their_words(client, login, two_stores):
    first = two_stores[0]
    record("store.update", target=first, store=first, reason="调岗到仓储")
    record("access_request.reject", target_type="rbac.accessrequest", target_id=9, target_label="申请 9")
    record("access_request.approve", target_type="rbac.accessrequest", target_id=8, target_label="申请 8")
    login(SuperuserFactory())

    def found(q):
        return sorted(e.action for e in client.get(LIST, {"q": q}).context["events"])

    assert found("仓储") == ["store.update"]
    assert found("申请 9") == ["access_request.reject"]
    assert found("驳回") == ["access_request.reject"]  # the action's words in Chinese
    assert found("ACCESS_REQUEST.APP") == ["access_request.approve"]  # codes, any case
    assert found("没有这个词") == []
