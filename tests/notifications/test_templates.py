"""Message templates: checked when saved (unknown placeholder, the robot's byte limit at the longest values),
previewed live against a real recent event the viewer may see (or samples), reset to the default; pages and
API, audited; the fan-out sends what was saved."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from events.services import event_emit
from notifications.defaults import DEFAULT_BODIES, PLACEHOLDERS, TEXT_LIMIT
from notifications.models import MessageTemplate
from notifications.render import compile_template, cut, longest_bytes, mask_name, template_check
from tests.factories import StaffFactory, StoreFactory, SuperuserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]


class TestChecks:
    def test_every_default_compiles_and_fits(self):
        for kind, body in DEFAULT_BODIES.items():
            compiled = template_check(kind, "text", body)
            assert longest_bytes(compiled) <= TEXT_LIMIT, kind
        assert set(DEFAULT_BODIES) == set(PLACEHOLDERS)

    def test_an_unknown_placeholder_is_refused_naming_the_allowed_ones(self):
        with pytest.raises(ValidationError) as refused:
            template_check("order.shipped", "text", "{order_id} {customer} {tracking.x} {qty:>5}")
        message = " ".join(refused.value.messages)
        assert "{customer}" in message and "{qty:>5}" in message and "{tracking}" in message

    def test_bad_braces_are_refused(self):
        with pytest.raises(ValidationError):
            compile_template("order.new", "订单 {order_id")

    def test_a_message_that_cannot_fit_at_its_longest_is_refused(self):
        body = "{items} " * 7 + "。"  # 7 × 300 bytes > 2048
        with pytest.raises(ValidationError) as refused:
            template_check("order.new", "text", body)
        assert "2048" in " ".join(refused.value.messages)
        template_check("order.new", "markdown", body)  # markdown takes 4096 (less room for mentions)

    def test_values_are_cut_and_names_masked(self):
        assert cut("短", 10) == "短"
        cut_value = cut("很" * 100, 30)
        assert len(cut_value.encode()) <= 30 and cut_value.endswith("…")
        assert mask_name("张三丰") == "张**" and mask_name("John Smith") == "J**" and mask_name("") == "-"


@pytest.fixture
def people(grant):
    a, b = StoreFactory(name="泰国店"), StoreFactory(name="越南店")

    class P:
        admin = SuperuserFactory()
        viewer_a = grant(StaffFactory(), {"settings_view"}, stores=[a])
        manager_a = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[a])
        clerk = grant(StaffFactory(), {"orders_view"}, stores=[a])

    P.a, P.b = a, b
    return P


class TestPages:
    def test_every_kind_is_listed_default_or_customized(self, people, login):
        MessageTemplate.objects.create(event_kind="order.shipped", body="{store} 已发货 {order_id}")
        page = login(people.viewer_a).get(reverse("notifications:template_list"))
        assert page.status_code == 200
        rows = {t.kind: t for t in page.context["templates"]}
        assert set(rows) == set(DEFAULT_BODIES)
        assert rows["order.shipped"].customized and not rows["order.new"].customized
        assert not page.context["can_manage"]

    def test_only_managers_of_every_store_edit(self, people, login):
        url = reverse("notifications:template_edit", args=["order.new"])
        assert login(people.clerk).get(reverse("notifications:template_list")).status_code == 403
        assert login(people.manager_a).get(url).status_code == 403
        assert login(people.manager_a).post(url, {"msgtype": "text", "body": "x"}).status_code == 403
        assert not MessageTemplate.objects.exists()

    def test_save_refuses_then_accepts_audited(self, people, login):
        client = login(people.admin)
        url = reverse("notifications:template_edit", args=["order.new"])
        refused = client.post(url, {"msgtype": "text", "body": "{store} {tracking}"})
        assert refused.status_code == 200 and "body" in refused.context["form"].errors
        saved = client.post(url, {"msgtype": "markdown", "body": "**{store}** 新订单 {order_id}"})
        assert saved.status_code == 302
        row = MessageTemplate.objects.get(event_kind="order.new")
        assert (row.msgtype, row.body) == ("markdown", "**{store}** 新订单 {order_id}")
        event = AuditEvent.objects.get(action="message_template.update")
        assert event.before["body"] == DEFAULT_BODIES["order.new"]
        reset = client.post(reverse("notifications:template_reset", args=["order.new"]))
        assert reset.status_code == 302 and not MessageTemplate.objects.exists()
        assert AuditEvent.objects.filter(action="message_template.reset").count() == 1

    def test_unknown_kind_is_404(self, people, login):
        assert login(people.admin).get(reverse("notifications:template_edit", args=["order.nope"])).status_code == 404

    def test_preview_uses_the_latest_event_the_viewer_may_see(self, people, login):
        with transaction.atomic():
            event_emit("order.new", people.a, {"order_id": "SN-A", "customer": "韩梅梅"}, "tpl:1")
            event_emit("order.new", people.b, {"order_id": "SN-B"}, "tpl:2")
        url = reverse("notifications:template_preview", args=["order.new"])
        mine = login(people.viewer_a).post(url, {"msgtype": "text", "body": "{store}:{order_id}:{customer}"}).json()
        assert mine["ok"] and mine["content"] == "泰国店:SN-A:韩**"
        everything = login(people.admin).post(url, {"msgtype": "text", "body": "{order_id}"}).json()
        assert everything["content"] == "SN-B"
        bad = login(people.admin).post(url, {"msgtype": "text", "body": "{nope}"}).json()
        assert not bad["ok"] and "{nope}" in bad["errors"][0]

    def test_preview_without_events_uses_samples(self, people, login):
        url = reverse("notifications:template_preview", args=["stock.low"])
        body = login(people.admin).post(url, {"msgtype": "text", "body": DEFAULT_BODIES["stock.low"]}).json()
        assert body["content"].startswith("【库存不足】泰国店 SKU:TSHIRT-RED-M")

    def test_the_edit_page_shows_the_preview(self, people, login):
        page = login(people.admin).get(reverse("notifications:template_edit", args=["order.shipped"]))
        assert page.status_code == 200
        assert "【已发货】" in page.context["preview"]["content"]


class TestApi:
    def test_list_retrieve_update_reset_preview(self, people, login):
        client = login(people.admin)
        listed = client.get(reverse("api:messagetemplate-list")).json()["results"]
        assert {t["kind"] for t in listed} == set(DEFAULT_BODIES)
        url = reverse("api:messagetemplate-detail", args=["order.new"])
        assert client.get(url).json()["customized"] is False
        refused = client.put(url, {"msgtype": "text", "body": "{nope}"}, content_type="application/json")
        assert refused.status_code == 400 and "body" in refused.json()["fields"]
        saved = client.put(url, {"msgtype": "text", "body": "{store} {order_id}"}, content_type="application/json")
        assert saved.status_code == 200 and saved.json()["customized"] is True
        preview = client.post(
            reverse("api:messagetemplate-preview", args=["order.new"]),
            {"msgtype": "text", "body": "{qty}"},
            content_type="application/json",
        )
        assert preview.status_code == 200 and preview.json()["content"] == "3"
        reset = client.post(reverse("api:messagetemplate-reset", args=["order.new"]))
        assert reset.status_code == 200 and reset.json()["customized"] is False

    def test_a_store_manager_reads_but_does_not_write(self, people, login):
        client = login(people.manager_a)
        assert client.get(reverse("api:messagetemplate-list")).status_code == 200
        url = reverse("api:messagetemplate-detail", args=["order.new"])
        assert (
            client.put(url, {"msgtype": "text", "body": "{store}"}, content_type="application/json").status_code == 403
        )
        assert client.post(reverse("api:messagetemplate-reset", args=["order.new"])).status_code == 403
        assert login(people.clerk).get(reverse("api:messagetemplate-list")).status_code == 403
