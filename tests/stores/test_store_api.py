import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from audit.models import AuditEvent
from stores.models import Store
from tests.factories import StaffFactory, StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(login):
    user = SuperuserFactory()
    login(user)
    return user


def send(client, method, url, data=None, language="zh-hans"):
    return getattr(client, method)(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)


def payload(**overrides):
    data = {
        "platform": "ozon",
        "site": "RU",
        "shop_id": "880001",
        "name": "Ozon 莫斯科店",
        "primary_owner": overrides.pop("primary_owner", None) or StaffFactory().pk,
        "backup_owner": overrides.pop("backup_owner", None) or StaffFactory().pk,
    }
    data.update(overrides)
    return data


class TestStoreApi:
    def test_create_through_the_service(self, client, admin):
        response = send(client, "post", reverse("api:store-list"), payload(emergency_contact="赵敏"))
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["timezone"] == "Europe/Moscow" and body["primary_owner_name"]
        store = Store.objects.get(pk=body["id"])
        assert AuditEvent.objects.filter(action="store.create", store_id=store.pk).count() == 1

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_validation_errors_in_the_callers_language(self, client, admin, language):
        owner = StaffFactory().pk
        response = send(
            client,
            "post",
            reverse("api:store-list"),
            payload(primary_owner=owner, backup_owner=owner, name=""),
            language,
        )
        assert response.status_code == 400
        with translation.override(language):
            assert response.json()["name"] == [gettext("This field may not be blank.")]
        if language == "zh-hans":
            assert response.json()["name"] != ["This field may not be blank."]
        response = send(
            client, "post", reverse("api:store-list"), payload(primary_owner=owner, backup_owner=owner), language
        )
        with translation.override(language):  # catalog-dependent for zh-hans
            assert response.json()["backup_owner"] == [
                gettext("The backup owner must be a different person from the primary owner.")
            ]
        assert not Store.objects.exists()

    def test_duplicate_shop_id_on_the_same_platform(self, client, admin):
        StoreFactory(platform="ozon", site="RU", shop_id="880001")
        response = send(client, "post", reverse("api:store-list"), payload(), "en")
        assert response.status_code == 400
        assert Store.objects.count() == 1

    def test_patch_and_archive(self, client, admin):
        store = StoreFactory(site="SG")
        url = reverse("api:store-detail", args=[store.pk])
        response = send(client, "patch", url, {"site": "MY", "duties_note": "每日同步库存"})
        assert response.status_code == 200 and response.json()["timezone"] == "Asia/Kuala_Lumpur"
        response = send(client, "post", reverse("api:store-archive", args=[store.pk]), {"reason": "关店"})
        assert response.status_code == 200 and response.json()["status"] == "archived"
        updates = list(AuditEvent.objects.filter(action="store.update").order_by("id"))
        assert updates[0].after == {"site": "MY", "timezone": "Asia/Kuala_Lumpur", "duties_note": "每日同步库存"}
        assert updates[1].after == {"status": "archived"} and updates[1].reason == "关店"

    def test_no_delete(self, client, admin):
        store = StoreFactory()
        assert client.delete(reverse("api:store-detail", args=[store.pk])).status_code == 405

    def test_filters_and_pagination(self, client, admin):
        owner = StaffFactory()
        StoreFactory.create_batch(4, site="TH", primary_owner=owner)
        StoreFactory(platform="ozon", site="RU", backup_owner=owner)
        StoreFactory(site="SG")
        url = reverse("api:store-list")
        page = client.get(url, {"owner": owner.pk, "page_size": 3}).json()
        assert page["count"] == 5 and len(page["results"]) == 3
        assert client.get(url, {"site": "TH"}).json()["count"] == 4
        assert client.get(url, {"platform": "ozon"}).json()["count"] == 1

    def test_list_is_a_fixed_number_of_queries(self, client, admin, django_assert_max_num_queries):
        StoreFactory.create_batch(70)
        client.get(reverse("api:store-list"))
        with django_assert_max_num_queries(9):
            response = client.get(reverse("api:store-list"))
        assert len(response.json()["results"]) == 50

    def test_scoped_to_the_callers_stores(self, client, login, grant):
        mine, other = StoreFactory(), StoreFactory()
        login(grant(StaffFactory(), {"orders_view"}, stores=[mine]))
        assert [row["id"] for row in client.get(reverse("api:store-list")).json()["results"]] == [mine.pk]
        assert client.get(reverse("api:store-detail", args=[other.pk])).status_code == 404
        assert send(client, "patch", reverse("api:store-detail", args=[mine.pk]), {"name": "x"}).status_code == 403
        # Owner filter choices are the viewer's: another store's owner is not a valid choice.
        assert client.get(reverse("api:store-list"), {"owner": other.primary_owner_id}).status_code == 400

    def test_settings_manager_edits_own_store_not_others(self, client, login, grant):
        mine, other = StoreFactory(), StoreFactory()
        login(grant(StaffFactory(), {"settings_manage"}, stores=[mine]))
        assert send(client, "patch", reverse("api:store-detail", args=[mine.pk]), {"name": "新名"}).status_code == 200
        assert send(client, "patch", reverse("api:store-detail", args=[other.pk]), {"name": "新名"}).status_code == 404
        response = send(
            client, "patch", reverse("api:store-detail", args=[mine.pk]), {"backup_owner": other.primary_owner_id}, "en"
        )
        assert response.status_code == 400 and "backup_owner" in response.json()
        assert send(client, "post", reverse("api:store-list"), payload()).status_code == 403
