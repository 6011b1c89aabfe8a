import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from audit.models import AuditEvent
from stores import services
from stores.models import Store
from tests.factories import StaffFactory, StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


def field_errors(response, field):
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="errors-{field}">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


@pytest.fixture
def admin(login):
    user = SuperuserFactory()
    login(user)
    return user


def names(response):
    return {store.name for store in response.context["object_list"]}


class TestStoreList:
    def test_filters_by_platform_site_status_and_owner(self, client, admin):
        owner = StaffFactory(name="孙浩")
        StoreFactory(name="SG 店", site="SG", primary_owner=owner)
        StoreFactory(name="MY 店", site="MY", backup_owner=owner)
        StoreFactory(name="Ozon 店", platform="ozon", site="RU", status="paused")
        url = reverse("stores:store_list")
        assert names(client.get(url, {"platform": "ozon"})) == {"Ozon 店"}
        assert names(client.get(url, {"site": "MY"})) == {"MY 店"}
        assert names(client.get(url, {"status": "paused"})) == {"Ozon 店"}
        assert names(client.get(url, {"owner": owner.pk})) == {"SG 店", "MY 店"}
        assert names(client.get(url, {"q": "ozon"})) == {"Ozon 店"}

    def test_a_fixed_number_of_queries_however_many_rows(self, client, admin, django_assert_max_num_queries):
        StoreFactory.create_batch(60)
        url = reverse("stores:store_list")
        client.get(url)
        with django_assert_max_num_queries(10):
            response = client.get(url)
        assert len(response.context["object_list"]) == 50
        assert response.context["paginator"].count == 60

    def test_a_viewer_sees_only_their_stores_and_their_owners_in_the_filter(self, client, login, grant):
        mine, other = StoreFactory(name="我的店"), StoreFactory(name="别人的店")
        login(grant(StaffFactory(), {"orders_view"}, stores=[mine]))
        response = client.get(reverse("stores:store_list"))
        assert names(response) == {"我的店"}
        owners = set(response.context["filterset"].form.fields["owner"].queryset)
        assert owners == {mine.primary_owner, mine.backup_owner}
        assert other.primary_owner not in owners
        assert client.get(reverse("stores:store_detail", args=[other.pk])).status_code == 404
        assert client.get(reverse("stores:store_detail", args=[mine.pk])).status_code == 200

    def test_the_owner_filter_shows_the_chosen_owner_and_looks_them_up_once(self, client, login, grant):
        """The filter validates the owner within the viewer's owner scope and labels the chosen option with
        the person it found: one owner-scope query, not one to validate and another to render."""
        owner = StaffFactory(name="孙浩")
        mine, theirs = StoreFactory(name="我的店", primary_owner=owner), StoreFactory(name="别人的店")
        StoreFactory(name="另一家店")
        login(grant(StaffFactory(), {"orders_view"}, stores=[mine]))
        url = reverse("stores:store_list")

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"owner": owner.pk, "platform": "shopee"})

        assert names(response) == {"我的店"}
        assert re.search(
            rf'<option value="{owner.pk}" selected>\s*{re.escape(str(owner))}\s*</option>', response.content.decode()
        )
        owner_scope = [q for q in ctx.captured_queries if q["sql"].startswith('SELECT "staff_staff"."id"')]
        assert len([q for q in owner_scope if "primary_owner_id" in q["sql"]]) == 1
        outsider = client.get(url, {"owner": theirs.primary_owner_id})  # not an owner this viewer may name
        assert str(theirs.primary_owner) not in outsider.content.decode()

    def test_no_store_at_all_is_forbidden(self, client, login):
        login(StaffFactory())
        assert client.get(reverse("stores:store_list")).status_code == 403


class TestDutiesTable:
    def test_lists_every_visible_store_with_owners_contacts_and_duties(
        self, client, admin, django_assert_max_num_queries
    ):
        StoreFactory.create_batch(60)
        StoreFactory(name="Shopee 泰国店", emergency_contact="朱琳 13800010014", duties_note="泰国站广告由周婷负责")
        url = reverse("stores:store_duties")
        client.get(url)
        with django_assert_max_num_queries(10):
            response = client.get(url)
        html = response.content.decode()
        assert len(response.context["object_list"]) == 61  # one printable table, no pages
        for text in ("Shopee 泰国店", "朱琳 13800010014", "泰国站广告由周婷负责", "window.print()"):
            assert text in html

    def test_uses_the_same_filters(self, client, admin):
        StoreFactory(name="Ozon 店", platform="ozon", site="RU")
        StoreFactory(name="SG 店")
        assert names(client.get(reverse("stores:store_duties"), {"platform": "ozon"})) == {"Ozon 店"}


class TestStoreForms:
    def data(self, **overrides):
        first, second = overrides.pop("owners", None) or (StaffFactory(), StaffFactory())
        data = {
            "platform": "shopee",
            "site": "SG",
            "shop_id": "220001",
            "name": "Shopee 新加坡旗舰店",
            "status": "active",
            "primary_owner": first.pk,
            "backup_owner": second.pk,
            "timezone": "",
        }
        data.update(overrides)
        return data

    def test_creates_with_the_sites_time_zone(self, client, admin):
        response = client.post(reverse("stores:store_create"), self.data())
        store = Store.objects.get(shop_id="220001")
        assert response.status_code == 302 and response["Location"] == store.get_absolute_url()
        assert store.timezone == "Asia/Singapore"
        assert AuditEvent.objects.filter(action="store.create", store_id=store.pk).count() == 1

    def test_same_owner_twice_is_an_error_on_the_backup_owner_and_saves_nothing(self, client, admin):
        owner = StaffFactory()
        response = client.post(reverse("stores:store_create"), self.data(owners=(owner, owner)))
        assert response.status_code == 200
        with translation.override("zh-hans"):  # catalog-dependent once locale/ is compiled
            expected = gettext("The backup owner must be a different person from the primary owner.")
        assert field_errors(response, "backup_owner") == [expected]
        assert not Store.objects.exists()
        assert not AuditEvent.objects.filter(action="store.create").exists()

    def test_missing_fields_in_chinese_then_english(self, client, admin):
        response = client.post(reverse("stores:store_create"), self.data(name="", platform=""))
        with translation.override("zh-hans"):
            required = gettext("This field is required.")
        assert required != "This field is required."  # Django's own catalog is always there
        assert field_errors(response, "name") == [required]
        assert field_errors(response, "platform") == [required]
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        response = client.post(reverse("stores:store_create"), self.data(name=""))
        assert field_errors(response, "name") == ["This field is required."]
        assert not Store.objects.exists()

    def test_a_site_of_another_platform_is_refused(self, client, admin):
        response = client.post(reverse("stores:store_create"), self.data(platform="ozon", site="SG"))
        assert field_errors(response, "site")
        assert not Store.objects.exists()

    def test_settings_manager_edits_their_store_and_nobody_elses(self, client, login, grant):
        mine, other = StoreFactory(), StoreFactory()
        login(grant(StaffFactory(), {"settings_manage"}, stores=[mine]))
        assert client.get(reverse("stores:store_create")).status_code == 403
        assert client.get(reverse("stores:store_edit", args=[other.pk])).status_code == 404
        data = self.data(owners=(mine.primary_owner, mine.backup_owner), shop_id=mine.shop_id, name="改名后的店")
        response = client.post(reverse("stores:store_edit", args=[mine.pk]), data)
        assert response.status_code == 302
        mine.refresh_from_db()
        assert mine.name == "改名后的店"
        assert AuditEvent.objects.get(action="store.update").after["name"] == "改名后的店"

    def test_an_owner_on_leave_does_not_block_editing_the_duties_note(self, client, admin):
        store = StoreFactory()
        type(store.primary_owner).objects.filter(pk=store.primary_owner_id).update(status="on_leave")
        data = self.data(
            owners=(store.primary_owner, store.backup_owner),
            shop_id=store.shop_id,
            name=store.name,
            duties_note="休假期间由备份负责人处理",
        )
        response = client.post(reverse("stores:store_edit", args=[store.pk]), data)
        assert response.status_code == 302
        store.refresh_from_db()
        assert store.duties_note == "休假期间由备份负责人处理"

    def test_a_duplicate_shop_id_is_on_its_field_with_every_other_error_on_the_first_submit(self, client, admin):
        StoreFactory(platform="shopee", shop_id="220001")
        response = client.post(reverse("stores:store_create"), self.data(name=""))
        assert response.status_code == 200
        assert field_errors(response, "shop_id") == ["店铺 ID 220001 已被另一家 Shopee 店铺使用。"]
        assert field_errors(response, "name")  # shown together, not one after the other
        assert not response.context["form"].non_field_errors()
        assert Store.objects.count() == 1

    def test_the_service_says_a_taken_shop_id_on_its_field_too(self, admin):
        StoreFactory(platform="shopee", shop_id="220001")
        with pytest.raises(ValidationError) as refused:
            services.store_create(
                actor=admin,
                platform="shopee",
                site="SG",
                shop_id="220001",
                name="Shopee 新加坡二店",
                primary_owner=StaffFactory(),
                backup_owner=StaffFactory(),
            )
        assert list(refused.value.message_dict) == ["shop_id"]

    def test_a_store_viewer_cannot_edit(self, client, login, grant):
        store = StoreFactory()
        login(grant(StaffFactory(), {"orders_view", "settings_view"}, stores=[store]))
        assert client.get(reverse("stores:store_edit", args=[store.pk])).status_code == 403
        assert not client.get(reverse("stores:store_detail", args=[store.pk])).context["can_edit"]

    def test_archive(self, client, admin):
        store = StoreFactory()
        response = client.post(reverse("stores:store_archive", args=[store.pk]), {"reason": "停止运营"})
        assert response.status_code == 302
        store.refresh_from_db()
        assert store.status == "archived"
        assert AuditEvent.objects.get(action="store.update").reason == "停止运营"

    def test_detail_shows_the_duties_row(self, client, admin):
        store = StoreFactory(emergency_contact="马超 13800010013", duties_note="每日两次同步库存")
        html = client.get(reverse("stores:store_detail", args=[store.pk])).content.decode()
        for text in (
            store.name,
            store.primary_owner.name,
            store.backup_owner.name,
            "马超 13800010013",
            "每日两次同步库存",
            "Asia/Singapore",
        ):
            assert text in html


def test_later_features_register_panels_on_the_store_detail_page(client, admin, monkeypatch):
    from stores.views import STORE_DETAIL_PANELS

    store = StoreFactory()
    duties_link = reverse("stores:store_duties")
    assert duties_link not in client.get(reverse("stores:store_detail", args=[store.pk])).content.decode()
    monkeypatch.setitem(STORE_DETAIL_PANELS, "connection", ["stores/_nav.html"])
    assert duties_link in client.get(reverse("stores:store_detail", args=[store.pk])).content.decode()
