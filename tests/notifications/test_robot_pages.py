"""Group robot pages: who sees and manages which robots, the write-only key, and "send a test message"."""

import json
import logging

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Robot
from tests.factories import RobotFactory, StaffFactory, StoreFactory, SuperuserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]

KEY = "5e1f7a3c-2b4d-4c6e-8f90-a1b2c3d4e5f6"
NEW_KEY = "0d9c8b7a-6f5e-4d3c-2b1a-09f8e7d6c5b4"
LOGGERS = ("", "httpx", "httpcore", "stores", "notifications", "sandbox", "django", "django.request")


@pytest.fixture
def shop(grant):
    """Store A with a manager (settings_manage) and a viewer (settings_view); store B with its own manager."""
    store, other = StoreFactory(name="泰国店"), StoreFactory(name="越南店")

    class People:
        manager = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[store])
        viewer = grant(StaffFactory(), {"settings_view"}, stores=[store])
        outsider = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[other])
        nobody = grant(StaffFactory(), {"orders_view"}, stores=[store])

    People.store, People.other = store, other
    return People


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("before", "after", "reason", "target_label")), ensure_ascii=False)


def form_data(store, **changes):
    return {
        "name": "泰国店-客服部-新订单",
        "store": store.pk if store else "",
        "department": "",
        "is_active": "on",
        "webhook_key": KEY,
        **changes,
    }


class TestList:
    def test_people_see_the_robots_of_their_stores_with_masked_keys(self, shop, login):
        mine = RobotFactory(store=shop.store, webhook_key=KEY)
        theirs, company = RobotFactory(store=shop.other), RobotFactory(store=None)

        page = login(shop.viewer).get(reverse("notifications:robot_list"))

        assert page.status_code == 200
        robots = list(page.context["object_list"])
        assert robots == [mine]
        html = page.content.decode()
        assert mine.name in html and theirs.name not in html and company.name not in html
        assert "••••" + KEY[-4:] in html and KEY not in html
        assert reverse("notifications:robot_create") not in html  # viewers do not add robots

    def test_super_admins_also_see_company_wide_robots(self, shop, login):
        robots = {RobotFactory(store=shop.store), RobotFactory(store=shop.other), RobotFactory(store=None)}
        page = login(SuperuserFactory()).get(reverse("notifications:robot_list"))
        assert set(page.context["object_list"]) == robots

    def test_without_settings_rights_anywhere_the_list_is_forbidden(self, shop, login):
        assert login(shop.nobody).get(reverse("notifications:robot_list")).status_code == 403

    def test_filters_by_store_and_search(self, shop, login):
        wanted = RobotFactory(store=shop.store, name="泰国店-仓储部-缺货")
        RobotFactory(store=shop.store, name="泰国店-客服部-售后")
        client = login(SuperuserFactory())
        page = client.get(reverse("notifications:robot_list"), {"store": shop.store.pk, "q": "仓储"})
        assert list(page.context["object_list"]) == [wanted]

    def test_a_fixed_number_of_queries_however_many_robots(self, shop, login, django_assert_max_num_queries):
        client = login(shop.manager)
        RobotFactory.create_batch(3, store=shop.store)
        with django_assert_max_num_queries(12) as few:
            client.get(reverse("notifications:robot_list"))
        RobotFactory.create_batch(40, store=shop.store)
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(reverse("notifications:robot_list"))
        assert len(page.context["object_list"]) == 43


class TestDetail:
    def test_managers_see_the_masked_key_and_the_actions(self, shop, login):
        robot = RobotFactory(store=shop.store, webhook_key=KEY)
        page = login(shop.manager).get(robot.get_absolute_url())
        html = page.content.decode()
        assert page.status_code == 200 and KEY not in html and "••••" + KEY[-4:] in html
        for name in ("robot_edit", "robot_delete", "robot_test"):
            assert reverse(f"notifications:{name}", args=[robot.pk]) in html

    def test_viewers_see_it_without_the_actions(self, shop, login):
        robot = RobotFactory(store=shop.store)
        html = login(shop.viewer).get(robot.get_absolute_url()).content.decode()
        assert robot.name in html and reverse("notifications:robot_edit", args=[robot.pk]) not in html

    def test_robots_of_other_stores_and_company_wide_robots_are_not_found(self, shop, login):
        client = login(shop.outsider)
        for robot in (RobotFactory(store=shop.store), RobotFactory(store=None)):
            assert client.get(robot.get_absolute_url()).status_code == 404


class TestCreate:
    def test_a_manager_adds_a_robot_to_their_store(self, shop, login):
        client = login(shop.manager)
        response = client.post(reverse("notifications:robot_create"), form_data(shop.store))

        robot = Robot.objects.get()
        assert response.status_code == 302 and response["Location"] == robot.get_absolute_url()
        assert robot.store == shop.store and robot.webhook_key == KEY
        event = AuditEvent.objects.get(action="robot.create")
        assert event.store_id == shop.store.pk and event.after["webhook_key"] == "changed"
        assert KEY not in audit_text()
        assert KEY not in client.get(response["Location"]).content.decode()

    def test_the_whole_webhook_address_may_be_pasted(self, shop, login):
        url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"
        login(shop.manager).post(reverse("notifications:robot_create"), form_data(shop.store, webhook_key=url))
        assert Robot.objects.get().webhook_key == KEY

    def test_the_form_offers_only_stores_the_viewer_manages(self, shop, login):
        client = login(shop.manager)
        page = client.get(reverse("notifications:robot_create"), {"store": shop.store.pk})
        assert list(page.context["form"].fields["store"].queryset) == [shop.store]
        assert page.context["form"].initial["store"] == str(shop.store.pk)

        refused = client.post(reverse("notifications:robot_create"), form_data(shop.other))
        assert refused.status_code == 200 and "store" in refused.context["form"].errors
        company = client.post(reverse("notifications:robot_create"), form_data(None))
        assert "store" in company.context["form"].errors
        assert not Robot.objects.exists() and not AuditEvent.objects.filter(action="robot.create").exists()

    def test_super_admins_add_company_wide_robots(self, login):
        login(SuperuserFactory()).post(
            reverse("notifications:robot_create"), form_data(None, name="全公司-运营部-日报")
        )
        assert Robot.objects.get().store is None

    @pytest.mark.parametrize(
        "changes, field", [({"name": "泰国店客服部"}, "name"), ({"webhook_key": ""}, "webhook_key")]
    )
    def test_invalid_input_shows_field_errors_and_saves_nothing(self, shop, login, changes, field):
        page = login(shop.manager).post(reverse("notifications:robot_create"), form_data(shop.store, **changes))
        assert page.status_code == 200 and field in page.context["form"].errors
        assert not Robot.objects.exists()
        assert KEY not in page.content.decode()  # a refused form does not echo the key back

    def test_viewers_may_not_add_robots(self, shop, login):
        assert login(shop.viewer).get(reverse("notifications:robot_create")).status_code == 403


class TestEditAndDelete:
    def test_an_empty_key_keeps_the_saved_one(self, shop, login):
        robot = RobotFactory(store=shop.store, webhook_key=KEY, name="泰国店-客服部-新订单")
        client = login(shop.manager)
        form = client.get(reverse("notifications:robot_edit", args=[robot.pk]))
        assert KEY not in form.content.decode() and "••••" + KEY[-4:] in form.content.decode()

        client.post(
            reverse("notifications:robot_edit", args=[robot.pk]),
            form_data(shop.store, name="泰国店-客服部-售后", webhook_key=""),
        )

        robot.refresh_from_db()
        assert robot.name == "泰国店-客服部-售后" and robot.webhook_key == KEY
        assert AuditEvent.objects.get(action="robot.update").after == {"name": "泰国店-客服部-售后"}

    def test_a_new_key_is_audited_as_changed(self, shop, login):
        robot = RobotFactory(store=shop.store, webhook_key=KEY, name="泰国店-客服部-新订单")
        login(shop.manager).post(
            reverse("notifications:robot_edit", args=[robot.pk]), form_data(shop.store, webhook_key=NEW_KEY)
        )
        robot.refresh_from_db()
        assert robot.webhook_key == NEW_KEY
        assert AuditEvent.objects.get(action="robot.update").after == {"webhook_key": "changed"}
        assert KEY not in audit_text() and NEW_KEY not in audit_text()

    def test_viewers_and_other_stores_managers_cannot_edit_or_delete(self, shop, login):
        robot = RobotFactory(store=shop.store)
        for person in (shop.viewer, shop.outsider):
            client = login(person)
            for name in ("robot_edit", "robot_delete"):
                url = reverse(f"notifications:{name}", args=[robot.pk])
                assert client.get(url).status_code in (403, 404)
                assert client.post(url, form_data(shop.store)).status_code in (403, 404)
        assert (
            Robot.objects.filter(pk=robot.pk).exists()
            and not AuditEvent.objects.filter(action__startswith="robot.").exists()
        )

    def test_a_manager_deletes_after_confirming(self, shop, login):
        robot = RobotFactory(store=shop.store)
        client = login(shop.manager)
        url = reverse("notifications:robot_delete", args=[robot.pk])
        assert robot.name in client.get(url).content.decode()

        response = client.post(url)

        assert response.status_code == 302 and response["Location"] == reverse("notifications:robot_list")
        assert not Robot.objects.exists()
        assert AuditEvent.objects.get(action="robot.delete").target_label == robot.name


class TestSendATestMessage:
    def test_the_message_reaches_the_simulated_group(self, shop, login, simulator, settings, caplog):
        for name in LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)
        settings.WECOM_BASE_URL = simulator.wecom_url
        simulator.control.create_robot(key=KEY, name="泰国店客服群")
        robot = RobotFactory(store=shop.store, webhook_key=KEY, name="泰国店-客服部-新订单")
        client = login(shop.manager)

        response = client.post(reverse("notifications:robot_test", args=[robot.pk]), follow=True)

        sent = simulator.control.messages(KEY)
        assert len(sent) == 1 and sent[0]["msgtype"] == "text" and "泰国店-客服部-新订单" in sent[0]["content"]
        robot.refresh_from_db()
        assert robot.last_success_at is not None and not robot.last_error
        event = AuditEvent.objects.get(action="robot.test")
        assert event.after == {"ok": True} and event.store_id == shop.store.pk
        html = response.content.decode()
        assert response.redirect_chain[-1][0] == robot.get_absolute_url() and "msg success" in html
        assert "/cgi-bin/webhook/send" in caplog.text  # the send was logged ...
        assert KEY not in caplog.text + html + audit_text()  # ... without the key

    def test_a_refused_key_is_reported_and_kept_on_the_robot_without_the_key(
        self, shop, login, simulator, settings, caplog
    ):
        for name in LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)
        settings.WECOM_BASE_URL = simulator.wecom_url
        robot = RobotFactory(store=shop.store, webhook_key=NEW_KEY)  # the simulated WeCom never heard of it

        response = login(shop.manager).post(reverse("notifications:robot_test", args=[robot.pk]), follow=True)

        robot.refresh_from_db()
        assert robot.last_error_at is not None and "93000" in robot.last_error
        assert AuditEvent.objects.get(action="robot.test").after == {"ok": False}
        html = response.content.decode()
        assert "msg error" in html and "93000" in html
        assert NEW_KEY not in html + robot.last_error + audit_text() + caplog.text
        assert simulator.control.messages(NEW_KEY) == []

    def test_only_managers_of_the_store_may_send(self, shop, login, simulator, settings):
        settings.WECOM_BASE_URL = simulator.wecom_url
        key = simulator.control.create_robot()["key"]
        robot = RobotFactory(store=shop.store, webhook_key=key)
        for person in (shop.viewer, shop.outsider):
            assert login(person).post(reverse("notifications:robot_test", args=[robot.pk])).status_code in (403, 404)
        assert login(shop.manager).get(reverse("notifications:robot_test", args=[robot.pk])).status_code == 405
        assert (
            simulator.control.messages(key) == []
            and not AuditEvent.objects.filter(action__startswith="robot.").exists()
        )


class TestStorePanel:
    def test_the_store_page_lists_its_robots_for_settings_viewers(self, shop, login):
        robot = RobotFactory(store=shop.store, webhook_key=KEY)
        elsewhere = RobotFactory(store=shop.other)

        html = login(shop.viewer).get(shop.store.get_absolute_url()).content.decode()

        assert 'id="store-robots"' in html and robot.name in html and elsewhere.name not in html
        assert "••••" + KEY[-4:] in html and KEY not in html
        assert reverse("notifications:robot_test", args=[robot.pk]) not in html  # viewers cannot send

    def test_managers_get_the_test_button_and_people_without_settings_rights_no_panel(self, shop, login):
        robot = RobotFactory(store=shop.store)
        html = login(shop.manager).get(shop.store.get_absolute_url()).content.decode()
        assert reverse("notifications:robot_test", args=[robot.pk]) in html
        html = login(shop.nobody).get(shop.store.get_absolute_url()).content.decode()
        assert 'id="store-robots"' not in html and robot.name not in html
