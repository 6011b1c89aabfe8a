"""Checklist pages: 我的职责 lists today's checklists; a checklist is ticked (who, when, evidence where required)
and unticked by its assignee, the store's owners and super admins, read by others working on the store; it
completes with its last item; a store's history and completion rates read a constant number of queries; templates
are edited by those who manage every store."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sop import defaults
from sop.checklists import checklist_create, item_tick
from sop.models import Checklist, ChecklistItem, ChecklistTemplate, TemplateItem
from tests.factories import StaffFactory
from tests.sop.conftest import low_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(sop_store):
    return sop_store("Asia/Bangkok", name="泰国店")


def today_check(store, assignee=None, **fields):
    """Today's daily check of the store (in its time zone), from the default template."""
    day = timezone.localdate(timezone.now(), store.tzinfo)
    return checklist_create(
        kind="daily",
        title=f"日常店铺检查 · {store.name}",
        store=store,
        assignee=assignee or store.primary_owner,
        for_date=day,
        due_at=timezone.now() + timedelta(hours=4),
        **fields,
    )


def test_my_duties_lists_todays_checklists_of_the_viewer(sop_templates, store, login):
    mine = today_check(store)
    yesterday = checklist_create(
        kind="daily",
        title="昨天的检查",
        store=store,
        assignee=store.primary_owner,
        for_date=mine.for_date - timedelta(days=1),
    )
    someone_elses = today_check(StoreOf(store), assignee=StaffFactory())
    client = login(store.primary_owner)

    page = client.get(reverse("rbac:my_duties")).content.decode()

    assert reverse("sop:checklist_detail", args=[mine.pk]) in page
    assert "今日清单" in page and "0/8" in page
    assert reverse("sop:checklist_detail", args=[yesterday.pk]) not in page
    assert reverse("sop:checklist_detail", args=[someone_elses.pk]) not in page


def StoreOf(store):
    from tests.factories import StoreFactory

    return StoreFactory(timezone=store.timezone)


def test_ticking_records_who_and_when_and_needs_evidence_where_the_item_says(sop_templates, store, login):
    checklist = today_check(store)
    owner = store.primary_owner
    client = login(owner)
    needs = checklist.items.get(title="库存对账")
    url = reverse("sop:checklist_item_tick", args=[needs.pk])

    refused = client.post(url, {f"i{needs.pk}-evidence": "  "})
    assert refused.status_code == 400
    assert "需要填写证据或备注" in refused.content.decode()
    needs.refresh_from_db()
    assert needs.done_at is None

    before = timezone.now()
    done = client.post(url, {f"i{needs.pk}-evidence": "差异 2 件，已调整"})
    assert done.status_code == 302
    needs.refresh_from_db()
    assert needs.done_by == owner and needs.done_at >= before and needs.evidence == "差异 2 件，已调整"
    event = AuditEvent.objects.get(action="checklist_item.tick", target_id=str(needs.pk))
    assert event.actor_id == owner.pk and event.store_id == store.pk
    page = client.get(reverse("sop:checklist_detail", args=[checklist.pk])).content.decode()
    assert "差异 2 件，已调整" in page and owner.name in page

    untick = client.post(reverse("sop:checklist_item_untick", args=[needs.pk]))
    assert untick.status_code == 302
    needs.refresh_from_db()
    assert needs.done_at is None and needs.done_by is None
    assert AuditEvent.objects.filter(action="checklist_item.untick", target_id=str(needs.pk)).count() == 1


def test_the_last_item_completes_the_checklist_and_unticking_reopens_it(sop_templates, store, login):
    checklist = today_check(store)
    owner = store.primary_owner
    items = list(checklist.items.all())
    for item in items[:-1]:
        item_tick(actor=owner, item=item, evidence="ok")
    checklist.refresh_from_db()
    assert checklist.completed_at is None

    client = login(owner)
    client.post(reverse("sop:checklist_item_tick", args=[items[-1].pk]), {f"i{items[-1].pk}-evidence": "已核对"})
    checklist.refresh_from_db()
    assert checklist.completed_by == owner and checklist.completed_at is not None
    assert AuditEvent.objects.filter(action="checklist.complete", target_id=str(checklist.pk)).count() == 1

    client.post(reverse("sop:checklist_item_untick", args=[items[0].pk]))
    checklist.refresh_from_db()
    assert checklist.completed_at is None and checklist.completed_by is None


def test_the_backup_owner_and_a_super_admin_may_tick_others_on_the_store_only_read(
    sop_templates, store, login, grant, roles, sa
):
    checklist = today_check(store)
    item = checklist.items.get(title="缺货预警")
    clerk = StaffFactory()
    grant(clerk, roles["customer_service"], store=store)
    stranger = StaffFactory()

    client = login(clerk)
    page = client.get(reverse("sop:checklist_detail", args=[checklist.pk]))
    assert page.status_code == 200 and 'data-testid="tick"' not in page.content.decode()
    assert client.post(reverse("sop:checklist_item_tick", args=[item.pk])).status_code == 403
    assert login(stranger).get(reverse("sop:checklist_detail", args=[checklist.pk])).status_code == 404

    assert login(store.backup_owner).post(reverse("sop:checklist_item_tick", args=[item.pk])).status_code == 302
    other = checklist.items.get(title="广告合规")
    assert login(sa).post(reverse("sop:checklist_item_tick", args=[other.pk])).status_code == 302
    assert ChecklistItem.objects.get(pk=item.pk).done_by == store.backup_owner
    assert ChecklistItem.objects.get(pk=other.pk).done_by == sa


def test_facts_are_read_again_when_an_open_checklist_is_shown(sop_templates, store, login):
    checklist = today_check(store)
    low_stock(store, "SKU-NEW", quantity=1)
    page = login(store.primary_owner).get(reverse("sop:checklist_detail", args=[checklist.pk])).content.decode()
    assert "SKU-NEW" in page
    item = checklist.items.get(fact=defaults.FACT_LOW_STOCK)
    assert item.facts == {}  # shown, not written: what the checklist was made with stays as it was


def test_a_stores_history_reads_a_constant_number_of_queries(sop_templates, store, login, sa):
    client = login(sa)
    url = reverse("sop:checklist_list") + f"?store={store.pk}"
    client.get(url)  # the first page of a session warms the process-wide caches

    def count(n):
        Checklist.objects.all().delete()
        for i in range(n):
            checklist_create(kind="daily", title=f"检查 {i}", store=store, assignee=store.primary_owner)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('href="/sop/checklists/') >= n
        return len(ctx.captured_queries)

    assert count(2) == count(30)


def test_completion_rates_per_store_and_per_person(sop_templates, sop_store, login, sa):
    first, second = sop_store(name="甲店"), sop_store(name="乙店")
    day = timezone.localdate()
    for index, (store, done, late) in enumerate([(first, True, False), (first, False, False), (second, True, True)]):
        c = checklist_create(
            kind="daily",
            title=f"c{index}",
            store=store,
            assignee=store.primary_owner,
            for_date=day - timedelta(days=index),
            due_at=timezone.now() - timedelta(hours=1),
        )
        if done:
            c.completed_at = timezone.now() + (timedelta(hours=1) if late else -timedelta(hours=2))
            c.save()
    client = login(sa)
    client.get(reverse("sop:checklist_rates"))  # the first page of a session warms the process-wide caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("sop:checklist_rates"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "甲店" in page and "1 (50%)" in page and "乙店" in page and "0 (0%)" in page
    assert first.primary_owner.name in page
    few = len(ctx.captured_queries)
    for i in range(10):
        checklist_create(kind="daily", title=f"more {i}", store=sop_store(), for_date=day)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("sop:checklist_rates"))
    assert len(ctx.captured_queries) == few
    assert client.get(reverse("sop:checklist_rates") + "?start=2026-12-09&end=2026-12-01").status_code == 400


def test_rates_need_reports_view(sop_templates, store, login):
    assert login(StaffFactory()).get(reverse("sop:checklist_rates")).status_code == 403


def test_templates_are_edited_by_those_who_manage_every_store(sop_templates, store, login, sa):
    assert login(store.primary_owner).get(reverse("sop:template_list")).status_code == 403
    client = login(sa)
    assert "日常店铺检查" in client.get(reverse("sop:template_list")).content.decode()
    daily = ChecklistTemplate.objects.get(kind="daily", is_default=True)
    items = list(daily.items.order_by("position"))

    form = {
        "name": "日常店铺检查（新版）",
        "kind": "daily",
        "description": "",
        "is_default": "on",
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(items):
        form |= {
            f"items-{i}-position": str(i + 1),
            f"items-{i}-section": item.section,
            f"items-{i}-title": item.title,
            f"items-{i}-note": item.note,
            f"items-{i}-fact": item.fact,
        }
        if item.evidence_required:
            form[f"items-{i}-evidence_required"] = "on"
    form["items-0-position"] = "99"  # 库存对账 last
    form["items-6-DELETE"] = "on"  # 广告合规 removed
    n = len(items)
    form |= {f"items-{n}-position": "3", f"items-{n}-title": "促销活动检查", f"items-{n}-evidence_required": "on"}

    response = client.post(reverse("sop:template_edit", args=[daily.pk]), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    titles = list(TemplateItem.objects.filter(template=daily).order_by("position").values_list("title", flat=True))
    assert titles[-1] == "库存对账" and "广告合规" not in titles
    assert titles.index("促销活动检查") == 2
    assert TemplateItem.objects.get(template=daily, title="促销活动检查").evidence_required
    event = AuditEvent.objects.get(action="checklist_template.update", target_id=str(daily.pk))
    assert "广告合规" in str(event.before) and "促销活动检查" in str(event.after)


def test_a_new_default_template_takes_over_its_kind(sop_templates, login, sa):
    client = login(sa)
    form = {
        "name": "简版入职",
        "kind": "onboarding",
        "is_default": "on",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-title": "开通企业微信账号",
        "items-1-title": "",
    }
    assert client.post(reverse("sop:template_create"), form).status_code == 302
    assert ChecklistTemplate.objects.get(kind="onboarding", is_default=True).name == "简版入职"
    assert AuditEvent.objects.filter(action="checklist_template.create").count() == 1
    empty = form | {"name": "空模板", "items-0-title": ""}
    response = client.post(reverse("sop:template_create"), empty)
    assert response.status_code == 400 and "至少" in response.content.decode()


def test_a_checklist_and_my_duties_read_a_constant_number_of_queries(sop_templates, store, login):
    owner = store.primary_owner
    client = login(owner)
    checklist = today_check(store)
    url = reverse("sop:checklist_detail", args=[checklist.pk])
    client.get(url)  # the first page of a session warms the process-wide caches
    client.get(reverse("rbac:my_duties"))

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    few_items, few_duties = count(url), count(reverse("rbac:my_duties"))
    for i in range(20):
        ChecklistItem.objects.create(checklist=checklist, position=100 + i, title=f"附加项 {i}", fact="low_stock")
        low_stock(store, f"SKU-{i}")
    for _ in range(10):
        today_check(StoreOf(store), assignee=owner)
    assert count(url) == few_items
    assert count(reverse("rbac:my_duties")) == few_duties
