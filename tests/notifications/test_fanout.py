"""The fan-out: routes matched by store / platform / site / group / all, one delivery per event × robot,
quiet hours, mentions (userid, mobile fallback, holders of a permission, assignee, @all), a fixed number of
queries per batch."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event
from events.services import event_emit_many
from notifications.fanout import fan_out_events, quiet_until
from notifications.models import Delivery, DeliveryState, MessageTemplate, Route
from orders.models import Order
from rbac.models import Role
from stores.models import StoreGroup
from tests.factories import (
    ExceptionGrantFactory,
    RobotFactory,
    RoleBindingFactory,
    RoleFactory,
    StaffFactory,
    StoreFactory,
    store_permission,
)

pytestmark = pytest.mark.django_db

_seq = iter(range(1, 10**9))


def emit(store, kind="order.new", **payload):
    n = next(_seq)
    base = {
        "order_id": f"SN{n:06d}",
        "customer": "张三丰",
        "items": [{"sku": "TSHIRT-M", "name": "T恤", "quantity": 2}],
        "quantity": 2,
        "amount": "459.00",
        "currency": "THB",
        "ship_by": "2026-12-05T10:00:00+00:00",
    }
    with transaction.atomic():
        (pk,) = event_emit_many(
            [{"kind": kind, "store_id": getattr(store, "pk", store), "dedupe_key": f"t:{n}", "payload": base | payload}]
        )
    return Event.objects.get(pk=pk)


def route(robot, kinds=("order.new",), **fields):
    fields.setdefault("mention_assignee", False)
    return Route.objects.create(name=f"r{next(_seq)}", robot=robot, event_kinds=list(kinds), **fields)


@pytest.fixture
def stores():
    th = StoreFactory(name="泰国店", platform="shopee", site="TH")
    sg = StoreFactory(name="新加坡店", platform="shopee", site="SG")
    ru = StoreFactory(name="莫斯科店", platform="ozon", site="RU")
    return th, sg, ru


def robots_of(event):
    return set(Delivery.objects.filter(event=event).values_list("robot_id", flat=True))


class TestMatching:
    def test_store_platform_site_group_and_all(self, stores):
        th, sg, ru = stores
        by_store, by_platform, by_site, by_group, to_all = (RobotFactory() for _ in range(5))
        group = StoreGroup.objects.create(name="东南亚")
        group.stores.add(sg)
        route(by_store, store=th)
        route(by_platform, platform="ozon")
        route(by_site, site="SG")
        route(by_group, store_group=group)
        route(to_all)
        events = [emit(th), emit(sg), emit(ru), emit(None)]

        written = fan_out_events(events)

        assert robots_of(events[0]) == {by_store.pk, to_all.pk}
        assert robots_of(events[1]) == {by_site.pk, by_group.pk, to_all.pk}
        assert robots_of(events[2]) == {by_platform.pk, to_all.pk}
        assert robots_of(events[3]) == {to_all.pk}  # an event of no store: only routes naming no stores
        assert written == 8
        assert set(Event.objects.filter(pk__in=[e.pk for e in events]).values_list("state", flat=True)) == {"processed"}

    def test_kind_platform_and_site_narrow_each_other(self, stores):
        th, sg, _ru = stores
        robot = RobotFactory()
        route(robot, kinds=["order.shipped"], platform="shopee", site="TH")
        fan_out_events(events := [emit(th, "order.shipped"), emit(th, "order.new"), emit(sg, "order.shipped")])
        assert [bool(robots_of(e)) for e in events] == [True, False, False]

    def test_inactive_routes_and_inactive_robots_are_skipped(self, stores):
        th = stores[0]
        route(RobotFactory(), store=th, is_active=False)
        route(RobotFactory(is_active=False), store=th)
        event = emit(th)
        assert fan_out_events([event]) == 0
        event.refresh_from_db()
        assert event.state == "processed"

    def test_a_broken_robot_still_gets_its_deliveries_which_wait_for_the_repair(self, stores):
        from notifications.delivery import robots_due

        th = stores[0]
        broken = RobotFactory(broken_at=timezone.now(), broken_reason="93000")
        route(broken, store=th)
        event = emit(th)
        assert fan_out_events([event]) == 1
        assert Delivery.objects.get(event=event).state == DeliveryState.PENDING
        assert broken.pk not in robots_due()  # the sender leaves it alone while it is broken …
        broken.broken_at = None
        broken.save(update_fields=["broken_at"])
        assert broken.pk in robots_due()  # … and sends what waited once it is repaired


class TestOncePerRobot:
    def test_two_routes_to_one_robot_make_one_delivery_with_merged_mentions(self, stores):
        th = stores[0]
        th.primary_owner.wecom_userid, th.backup_owner.wecom_userid = "owner1", "owner2"
        th.primary_owner.save()
        th.backup_owner.save()
        robot = RobotFactory()
        specific = route(robot, store=th, mention_primary_owner=True)
        route(robot, platform="shopee", mention_backup_owner=True)
        event = emit(th)

        assert fan_out_events([event]) == 1

        delivery = Delivery.objects.get(event=event)
        assert delivery.route_id == specific.pk  # credited to the most specific route
        assert delivery.mentioned_userids == ["owner1", "owner2"]

    def test_running_again_writes_nothing_new(self, stores):
        robot = RobotFactory()
        route(robot, store=stores[0])
        event = emit(stores[0])
        assert fan_out_events([event]) == 1
        assert fan_out_events([event]) == 0
        assert Delivery.objects.filter(event=event).count() == 1


class TestRendering:
    def test_default_chinese_template_with_masked_customer_in_store_time(self, stores):
        th = stores[0]  # Asia/Bangkok, UTC+7
        route(RobotFactory(), store=th)
        event = emit(th)
        fan_out_events([event])
        content = Delivery.objects.get(event=event).content
        assert content.startswith("【新订单】泰国店 订单号:SN")
        assert "客户:张** | 商品:TSHIRT-M×2 | 数量:2 | 总价:459.00 THB | 预计发货:12-05 17:00" in content
        assert "张三丰" not in content

    def test_saved_template_is_used(self, stores):
        th = stores[0]
        MessageTemplate.objects.create(event_kind="order.shipped", body="{store}/{order_id}/{tracking}")
        route(RobotFactory(), ["order.shipped"], store=th)
        event = emit(th, "order.shipped", order_id="SN1", tracking_number="TH99")
        fan_out_events([event])
        assert Delivery.objects.get(event=event).content == "泰国店/SN1/TH99"

    def test_markdown_carries_mentions_in_the_content(self, stores):
        th = stores[0]
        th.primary_owner.wecom_userid = "lina"
        th.primary_owner.save()
        MessageTemplate.objects.create(event_kind="order.new", msgtype="markdown", body="**{store}** {order_id}")
        route(RobotFactory(), store=th, mention_primary_owner=True)
        event = emit(th, order_id="SN7")
        fan_out_events([event])
        delivery = Delivery.objects.get(event=event)
        assert delivery.msgtype == "markdown"
        assert delivery.content == "**泰国店** SN7\n<@lina>"

    def test_a_long_value_is_cut_so_the_message_stays_within_the_limit(self, stores):
        th = stores[0]
        route(RobotFactory(), store=th)
        items = [{"sku": "很长的商品名" * 10, "quantity": 1} for _ in range(50)]
        event = emit(th, items=items)
        fan_out_events([event])
        content = Delivery.objects.get(event=event).content
        assert len(content.encode()) <= 2048
        assert "…" in content


class TestQuietHours:
    def test_inside_quiet_hours_the_delivery_is_held_until_they_end(self, stores):
        th = stores[0]
        local = timezone.now().astimezone(th.tzinfo)
        start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
        end = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
        route(RobotFactory(), store=th, quiet_start=start, quiet_end=end)
        event = emit(th)
        fan_out_events([event])
        delivery = Delivery.objects.get(event=event)
        assert delivery.state == DeliveryState.HELD
        ends = delivery.next_attempt_at.astimezone(th.tzinfo)
        assert ends.time() == end and timedelta(hours=1) < ends - local <= timedelta(hours=2)

    def test_outside_quiet_hours_it_is_pending(self, stores):
        th = stores[0]
        local = timezone.now().astimezone(th.tzinfo)
        start = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
        end = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
        route(RobotFactory(), store=th, quiet_start=start, quiet_end=end)
        event = emit(th)
        fan_out_events([event])
        delivery = Delivery.objects.get(event=event)
        assert (delivery.state, delivery.next_attempt_at) == (DeliveryState.PENDING, None)

    def test_a_route_without_quiet_hours_to_the_same_robot_sends_now(self, stores):
        th = stores[0]
        robot = RobotFactory()
        local = timezone.now().astimezone(th.tzinfo)
        route(
            robot,
            store=th,
            quiet_start=(local - timedelta(hours=1)).time(),
            quiet_end=(local + timedelta(hours=1)).time(),
        )
        route(robot, site="TH")
        event = emit(th)
        fan_out_events([event])
        assert Delivery.objects.get(event=event).state == DeliveryState.PENDING

    def test_quiet_hours_across_midnight(self):
        tz = UTC
        at = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
        assert quiet_until(time(22), time(8), at, tz) == datetime(2026, 12, 5, 8, tzinfo=UTC)
        assert quiet_until(time(22), time(8), at.replace(hour=3), tz) == datetime(2026, 12, 4, 8, tzinfo=UTC)
        assert quiet_until(time(22), time(8), at.replace(hour=12), tz) is None
        assert quiet_until(None, time(8), at, tz) is None


class TestMentions:
    def test_userid_else_mobile_else_nobody(self, stores):
        th = stores[0]
        th.primary_owner.wecom_userid = ""
        th.primary_owner.mobile = "13800001111"
        th.primary_owner.save()
        th.backup_owner.wecom_userid, th.backup_owner.mobile = "", ""
        th.backup_owner.save()
        route(RobotFactory(), store=th, mention_primary_owner=True, mention_backup_owner=True, mention_all=True)
        event = emit(th)
        fan_out_events([event])
        delivery = Delivery.objects.get(event=event)
        assert delivery.mentioned_userids == ["@all"]
        assert delivery.mentioned_mobiles == ["13800001111"]

    def test_holders_of_a_permission_on_that_store(self, stores, roles):
        th, sg, _ru = stores
        cs_role = Role.objects.get(key="customer_service")
        holder = StaffFactory(wecom_userid="kefu1")
        RoleBindingFactory(staff=holder, role=cs_role, store=th)
        elsewhere = StaffFactory(wecom_userid="kefu2")
        RoleBindingFactory(staff=elsewhere, role=cs_role, store=sg)
        granted = StaffFactory(wecom_userid="", mobile="13900002222")
        ExceptionGrantFactory(staff=granted, store=th, permission=store_permission("after_sales_operate"))
        revoked = StaffFactory(wecom_userid="gone")
        RoleBindingFactory(staff=revoked, role=cs_role, store=th, revoked_at=timezone.now())
        super_admin = StaffFactory(wecom_userid="boss")
        RoleBindingFactory(staff=super_admin, role=Role.objects.get(key="super_admin"), store=None)
        route(RobotFactory(), ["aftersales.new"], store=th, mention_permission="after_sales_operate")
        event = emit(th, "aftersales.new", case_id="RS1")
        fan_out_events([event])
        delivery = Delivery.objects.get(event=event)
        assert "kefu1" in delivery.mentioned_userids
        assert not {"kefu2", "gone", "boss"} & set(delivery.mentioned_userids)
        # the owners (store-admin role: every permission) are not "holders": routes mention them by option
        assert delivery.mentioned_mobiles == ["13900002222"]
        admin = StaffFactory(wecom_userid="storeadmin")
        RoleBindingFactory(staff=admin, role=Role.objects.get(key="store_admin"), store=th)
        everywhere = StaffFactory(wecom_userid="kefu-all")
        RoleBindingFactory(staff=everywhere, role=cs_role, store=None)
        again = emit(th, "aftersales.new", case_id="RS2")
        fan_out_events([again])
        mentioned = Delivery.objects.get(event=again).mentioned_userids
        assert "kefu-all" in mentioned and "storeadmin" not in mentioned

    def test_assignee_of_the_order(self, stores):
        th = stores[0]
        person = StaffFactory(wecom_userid="zhangwei", name="张伟")
        Order.objects.create(
            store=th,
            order_id="SN42",
            fulfilment="seller",
            status="shipped",
            platform_status="SHIPPED",
            assignee=person,
            synced_at=timezone.now(),
        )
        route(RobotFactory(), ["order.shipped"], store=th, mention_assignee=True)
        event = emit(th, "order.shipped", order_id="SN42")
        fan_out_events([event])
        assert Delivery.objects.get(event=event).mentioned_userids == ["zhangwei"]

    def test_an_escalated_case_mentions_whom_it_escalates_to_then_its_assignee(self, stores):
        th = stores[0]
        backup = StaffFactory(wecom_userid="backup-owner")
        handler = StaffFactory(wecom_userid="handler")
        from orders.models import AfterSalesCase

        AfterSalesCase.objects.create(
            store=th,
            case_id="R1",
            kind="return",
            status="open",
            platform_status="REQUESTED",
            assignee=handler,
            synced_at=timezone.now(),
        )
        route(RobotFactory(), ["aftersales.due_soon"], store=th, mention_assignee=True)
        event = emit(th, "aftersales.due_soon", case_id="R1", mention_staff_ids=[backup.pk], level=1)
        fan_out_events([event])
        assert Delivery.objects.get(event=event).mentioned_userids == ["backup-owner", "handler"]

    def test_round_robin_stores_dispatch_new_orders_even_when_no_route_mentions_the_assignee(self, stores):
        from orders.choices import AssignmentMode
        from orders.models import StoreSettings
        from orders.services import orders_upsert_page
        from tests.orders.rows import page

        th = stores[0]
        person = StaffFactory()
        RoleBindingFactory(staff=person, store=th, role=RoleFactory(permissions=["orders_operate"]))
        StoreSettings.objects.create(store=th, assignment_mode=AssignmentMode.ROUND_ROBIN).on_duty.set([person])
        route(RobotFactory(), store=th, mention_assignee=False)
        with transaction.atomic():
            orders_upsert_page(store=th, rows=page(2))
        fan_out_events(list(Event.objects.filter(store=th, kind="order.new")))
        assert set(Order.objects.filter(store=th).values_list("assignee_id", flat=True)) == {person.pk}

    def test_approvers_of_an_access_request(self, stores):
        approver = StaffFactory(wecom_userid="approver")
        route(RobotFactory(), ["access.request_opened"], mention_assignee=True)
        event = emit(None, "access.request_opened", approver_ids=[approver.pk], requester="王芳")
        fan_out_events([event])
        delivery = Delivery.objects.get(event=event)
        assert delivery.mentioned_userids == ["approver"]
        assert delivery.content.startswith("【权限申请待审批】全公司 申请人:王芳")


@pytest.fixture
def roles(db):
    return {r.key: r for r in Role.objects.filter(builtin=True)}


class TestQueries:
    def _world(self, n):
        stores = [StoreFactory(site=site) for site in ("TH", "SG", "MY")]
        group = StoreGroup.objects.create(name=f"g{next(_seq)}")
        group.stores.add(stores[1])
        for store in stores:
            route(RobotFactory(), ["order.new", "aftersales.new"], store=store, mention_primary_owner=True)
            route(
                RobotFactory(), ["order.new"], store=store, mention_permission="orders_operate", mention_assignee=True
            )
        route(RobotFactory(), ["order.new"], store_group=group, mention_all=True)
        route(RobotFactory(), ["aftersales.new"], site="TH", mention_assignee=True)
        kinds = ("order.new", "aftersales.new")
        return [emit(stores[i % 3], kinds[i % 2], case_id=f"RS{i}") for i in range(n)]

    def test_the_same_number_of_queries_for_4_and_50_events(self):
        """(Four events: enough for every kind of read — orders' and cases' assignees — to happen.)"""
        fan_out_events(self._world(1))  # warm the process-wide caches (the role map, compiled templates)
        one = self._world(4)
        with CaptureQueriesContext(connection) as small:
            fan_out_events(one)
        fifty = self._world(50)
        with CaptureQueriesContext(connection) as large:
            written = fan_out_events(fifty)
        assert written > 50
        assert len(large.captured_queries) == len(small.captured_queries) <= 14


class TestInhibition:
    def test_a_paused_stores_other_failures_and_expiry_notices_send_nothing(self, stores):
        from orders.models import SyncState

        th, sg, _ru = stores
        SyncState.objects.create(store=th, health="paused", next_poll_at=timezone.now())
        SyncState.objects.create(store=sg, health="failing", next_poll_at=timezone.now())
        route(RobotFactory(), ["store.sync_failing", "store.auth_expiring"])
        revoked = emit(th, "store.sync_failing", reason="authorization", failures=1)
        again = emit(th, "store.sync_failing", reason="errors", failures=5)
        expiring = emit(th, "store.auth_expiring", expires_at="2026-12-07T01:00:00+00:00", days_left=0)
        elsewhere = emit(sg, "store.sync_failing", reason="errors", failures=5)
        assert fan_out_events([revoked, again, expiring, elsewhere]) == 2
        assert [bool(robots_of(e)) for e in (revoked, again, expiring, elsewhere)] == [True, False, False, True]
        assert "授权失效，需要重新授权" in Delivery.objects.get(event=revoked).content
        assert set(Event.objects.filter(pk__in=[again.pk, expiring.pk]).values_list("state", flat=True)) == {
            "processed"
        }
