"""The checklist services the lifecycle and the pages call: checklist_create from a template plus generated items,
ticking by the right people only (the service checks again), the console's own ticks, template edits by
all-store settings managers only, the seed's default templates."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from sop.checklists import checklist_create, item_tick, item_untick, template_save, templates_ensure
from sop.models import ChecklistTemplate, TemplateItem
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_seed_makes_the_sellers_templates_once(sop_templates):
    templates_ensure()
    templates_ensure()
    assert ChecklistTemplate.objects.filter(is_default=True).count() == 4
    onboarding = ChecklistTemplate.objects.get(kind="onboarding", is_default=True)
    titles = list(onboarding.items.values_list("title", flat=True))
    for title in (
        "平台基础",
        "店铺结构",
        "权限范围",
        "核心SOP",
        "数据安全",
        "上架一个商品",
        "处理一个订单",
        "完成一个售后",
    ):
        assert title in titles
    assert ChecklistTemplate.objects.get(kind="offboarding", is_default=True).items.exists()
    daily = ChecklistTemplate.objects.get(kind="daily", is_default=True)
    assert set(daily.items.exclude(fact="").values_list("fact", flat=True)) == {
        "low_stock",
        "overdue_cases",
        "late_shipments",
        "permission_changes",
    }


def test_an_edited_template_is_left_alone_by_the_seed(sop_templates, sa):
    daily = ChecklistTemplate.objects.get(kind="daily", is_default=True)
    template_save(
        actor=sa, template=daily, name=daily.name, kind="daily", is_default=True, items=[{"title": "只此一项"}]
    )
    templates_ensure()
    assert list(TemplateItem.objects.filter(template=daily).values_list("title", flat=True)) == ["只此一项"]


def test_checklist_create_takes_the_default_template_then_the_generated_items(sop_templates, sop_store, sa):
    newcomer, mentor = StaffFactory(name="新同事"), StaffFactory(name="导师")
    store = sop_store()
    checklist = checklist_create(
        kind="onboarding",
        title="入职 · 新同事",
        subject=newcomer,
        assignee=mentor,
        actor=sa,
        items_extra=[
            {
                "section": "平台子账号",
                "title": f"{store.name}: 开通 Shopee 子账号",
                "store": store,
                "data": {"permissions": ["订单", "售后"]},
            }
        ],
    )
    items = list(checklist.items.order_by("position"))
    assert items[0].title == "开通企业微信账号"
    assert items[-1].title.endswith("开通 Shopee 子账号") and items[-1].store == store
    assert items[-1].data == {"permissions": ["订单", "售后"]}
    assert [i.position for i in items] == list(range(1, len(items) + 1))
    assert checklist.created_by == sa and checklist.subject == newcomer and checklist.assignee == mentor
    assert AuditEvent.objects.filter(action="checklist.create", target_id=str(checklist.pk)).count() == 1


def test_only_the_assignee_owners_and_super_admins_tick_and_untick(sop_templates, sop_store, sa):
    store = sop_store()
    assignee, stranger = StaffFactory(), StaffFactory()
    checklist = checklist_create(kind="daily", title="检查", store=store, assignee=assignee)
    item = checklist.items.get(title="广告合规")
    with pytest.raises(PermissionDenied):
        item_tick(actor=stranger, item=item)
    item_tick(actor=assignee, item=item)
    with pytest.raises(PermissionDenied):
        item_untick(actor=stranger, item=item)
    item_untick(actor=store.primary_owner, item=item)
    item_tick(actor=sa, item=item)
    item.refresh_from_db()
    assert item.done_by == sa


def test_evidence_is_required_where_the_item_says_so(sop_templates, sop_store):
    store = sop_store()
    checklist = checklist_create(kind="daily", title="检查", store=store, assignee=store.primary_owner)
    item = checklist.items.get(title="库存对账")
    with pytest.raises(ValidationError) as refused:
        item_tick(actor=store.primary_owner, item=item, evidence="   ")
    assert "evidence" in refused.value.message_dict
    assert not AuditEvent.objects.filter(action="checklist_item.tick").exists()


def test_the_console_ticks_what_it_did_itself(sop_templates, sop_store):
    newcomer = StaffFactory()
    checklist = checklist_create(kind="onboarding", title="入职", subject=newcomer)
    item = checklist.items.get(title="开通企业微信账号")
    item_tick(actor=None, item=item, evidence="企业微信成员已创建 (userid xinren)", system=True)
    item.refresh_from_db()
    assert item.automatic and item.done_at and item.done_by is None


def test_templates_are_changed_only_by_those_who_manage_every_store(sop_templates, sop_store, grant, roles):
    store = sop_store()
    manager = StaffFactory()
    grant(manager, roles["store_admin"], store=store)
    with pytest.raises(PermissionDenied):
        template_save(actor=manager, template=None, name="x", kind="custom", items=[{"title": "y"}])
    assert not ChecklistTemplate.objects.filter(name="x").exists()


def test_the_store_page_links_to_its_daily_checks(sop_templates, sop_store, login):
    store = sop_store()
    page = login(store.primary_owner).get(store.get_absolute_url()).content.decode()
    assert reverse("sop:checklist_list") + f"?store={store.pk}&amp;kind=daily" in page
