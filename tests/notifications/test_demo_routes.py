"""The demo's routes: with the demo seeded, a new order of 新加坡旗舰店 goes to its 新订单 group mentioning the
store's customer service, a shipment of 马来西亚店 to 发货, a return of 泰国店 to 售后, a digest to 日报, the security
robot's messages to 全公司-管理-安全, an ads alert of 新加坡旗舰店 or 莫斯科店 to its 广告 group mentioning its ads managers."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from events.models import Event
from events.services import event_emit
from notifications.fanout import fan_out_events
from notifications.models import Delivery, Route
from stores.models import Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("SHOPCREW_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())


def deliver(shop_id, kind, key, **payload):
    store = Store.objects.get(shop_id=shop_id) if shop_id else None
    with transaction.atomic():
        pk = event_emit(kind, store, payload, key)
    fan_out_events([Event.objects.get(pk=pk)])
    return list(Delivery.objects.filter(event_id=pk).select_related("robot"))


def test_each_demo_robot_gets_its_kinds(demo):
    assert Route.objects.count() == 8
    (new,) = deliver("220001", "order.new", "demo:1", order_id="SN1", customer="王小明")
    assert new.robot.name == "新加坡旗舰店-客服部-新订单"
    assert new.content.startswith("【新订单】Shopee 新加坡旗舰店 订单号:SN1 | 客户:王**")
    assert new.mentioned_userids, "the store's customer service is mentioned"
    (shipped,) = deliver("220002", "order.shipped", "demo:2", order_id="SN2", tracking_number="MY1")
    assert shipped.robot.name == "马来西亚店-仓储部-发货" and "运单号:MY1" in shipped.content
    (case,) = deliver("220003", "aftersales.new", "demo:3", order_id="SN3", case_id="R3", issue="破损")
    assert case.robot.name == "泰国店-客服部-售后" and "问题类型:破损" in case.content
    (digest,) = deliver(None, "digest.daily", "demo:4", period="12-04", orders=12)
    assert digest.robot.name == "全公司-运营部-日报" and digest.content.startswith("【日报】全公司 12-04 订单:12")
    (department,) = deliver(None, "digest.daily", "demo:6", period="12-04", orders=3, department="客服部")
    assert department.content.startswith("【日报】客服部 12-04 订单:3")
    assert deliver("220002", "order.new", "demo:5", order_id="SN5") == []  # 马来西亚店 has no 新订单 group


def test_the_security_robot_gets_the_security_kinds(demo):
    (lockout,) = deliver(
        None, "security.lockout", "demo:7", account="admin", ip="203.0.113.7", failures=5, until="12-04 16:00", by=""
    )
    assert lockout.robot.name == "全公司-管理-安全"
    assert lockout.content.startswith("【登录锁定】账号:admin | 地址:203.0.113.7 | 失败次数:5 | 锁定至:12-04 16:00")
    (unlock,) = deliver(None, "security.unlock", "demo:8", account="admin", ip="203.0.113.7", by="陈静")
    assert unlock.robot.name == "全公司-管理-安全" and "操作人:陈静" in unlock.content
    (source,) = deliver(
        None,
        "security.new_source",
        "demo:9",
        person="陈静",
        account="chenjing",
        ip="198.51.100.4",
        browser="Chrome / Windows",
    )
    assert source.robot.name == "全公司-管理-安全" and "浏览器:Chrome / Windows" in source.content
    (alone,) = deliver("220001", "access.approved_alone", "demo:10", approver="陈静", staff="王芳")
    assert alone.robot.name == "全公司-管理-安全" and alone.content.startswith("【单人批准·无第二审批人】")


def test_ads_alerts_go_to_the_stores_ads_group_mentioning_its_ads_managers(demo):
    (spike,) = deliver(
        "220001", "ads.spend_spike", "demo:11", period="今日截至15:59", spend="900.00 SGD", usual="200.00 SGD", ratio="4.5"
    )
    assert spike.robot.name == "新加坡旗舰店-广告与市场-广告"
    assert spike.content.startswith("【广告花费异常】Shopee 新加坡旗舰店 今日截至15:59 花费:900.00 SGD")
    assert spike.mentioned_userids == ["ZhouTing"]  # 周婷, 广告 on 新加坡旗舰店
    (stopped,) = deliver("880001", "ads.campaign_stopped", "demo:12", campaign="冬季", reason="预算用尽")
    assert stopped.robot.name == "莫斯科店-广告与市场-广告" and "原因:预算用尽" in stopped.content
    assert stopped.mentioned_userids == ["WuJun"]
    assert deliver("220002", "ads.spend_spike", "demo:13") == []  # 马来西亚店 has no 广告 group


def test_seeding_again_adds_no_route(demo):
    call_command("seed_demo", stdout=io.StringIO())
    assert Route.objects.count() == 8
