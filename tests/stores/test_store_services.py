import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from core.permissions import owner_rights
from stores import services
from stores.models import Store
from tests.factories import StaffFactory, StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def create(actor, **overrides):
    data = {
        "platform": "shopee",
        "site": "MY",
        "shop_id": "778899",
        "name": "Shopee 马来西亚店",
        "primary_owner": overrides.pop("primary_owner", None) or StaffFactory(),
        "backup_owner": overrides.pop("backup_owner", None) or StaffFactory(),
    }
    data.update(overrides)
    return services.store_create(actor=actor, **data)


class TestStoreCreate:
    def test_creates_with_the_sites_time_zone_and_one_audit_event(self):
        store = create(SuperuserFactory(), emergency_contact="孙浩 13800010012")
        assert store.timezone == "Asia/Kuala_Lumpur"
        [event] = events("store.create")
        assert event.store_id == store.pk and event.target_id == str(store.pk)
        assert event.after["shop_id"] == "778899"
        assert event.after["primary_owner"] == store.primary_owner_id
        assert event.after["timezone"] == "Asia/Kuala_Lumpur"

    def test_an_explicit_time_zone_is_kept(self):
        assert create(SuperuserFactory(), timezone="Asia/Shanghai").timezone == "Asia/Shanghai"

    def test_owners_must_be_two_different_people(self):
        owner = StaffFactory()
        with pytest.raises(ValidationError) as caught:
            create(SuperuserFactory(), primary_owner=owner, backup_owner=owner)
        assert list(caught.value.message_dict) == ["backup_owner"]
        assert not Store.objects.exists() and events("store.create") == []

    @pytest.mark.parametrize("status", ["on_leave", "offboarded"])
    def test_owners_must_be_active(self, status):
        with pytest.raises(ValidationError) as caught:
            create(SuperuserFactory(), primary_owner=StaffFactory(status=status))
        assert "primary_owner" in caught.value.message_dict

    def test_site_must_belong_to_the_platform(self):
        with pytest.raises(ValidationError) as caught:
            create(SuperuserFactory(), platform="ozon", site="SG")
        assert "site" in caught.value.message_dict

    def test_shop_id_is_unique_per_platform(self):
        admin = SuperuserFactory()
        create(admin)
        with pytest.raises(ValidationError):
            create(admin)
        assert create(admin, platform="ozon", site="RU").platform == "ozon"

    def test_only_all_store_settings_managers_add_stores(self, grant):
        existing = StoreFactory()
        actor = grant(StaffFactory(), {"settings_manage"}, stores=[existing])
        with pytest.raises(PermissionDenied):
            create(actor)
        assert Store.objects.count() == 1

    def test_an_all_store_settings_manager_without_the_owners_rights_cannot_name_owners(self, grant):
        """Owners hold the store-admin role on their store: naming them hands it out, so the actor must
        hold all of it (on every store, for a store not yet made)."""
        actor = grant(StaffFactory(), {"settings_manage"})
        with pytest.raises(PermissionDenied):
            create(actor, primary_owner=actor)
        assert Store.objects.count() == 0 and events("store.create") == []
        grant(actor, owner_rights())
        assert create(actor).primary_owner_id is not None


class TestStoreUpdate:
    def test_records_the_changed_fields_with_the_store(self):
        store = StoreFactory(duties_note="")
        services.store_update(
            actor=SuperuserFactory(), store=store, data={"duties_note": "每日 10:00 前发货", "name": store.name}
        )
        [event] = events("store.update")
        assert event.store_id == store.pk
        assert (event.before, event.after) == ({"duties_note": ""}, {"duties_note": "每日 10:00 前发货"})

    def test_time_zone_follows_a_site_change_unless_set_otherwise(self):
        admin = SuperuserFactory()
        store = StoreFactory(site="SG")
        assert store.timezone == "Asia/Singapore"
        store = services.store_update(actor=admin, store=store, data={"site": "TH"})
        assert store.timezone == "Asia/Bangkok"
        store = services.store_update(actor=admin, store=store, data={"timezone": "Asia/Shanghai"})
        store = services.store_update(actor=admin, store=store, data={"site": "VN"})
        assert store.timezone == "Asia/Shanghai"

    def test_swapping_to_the_same_owner_twice_is_refused(self):
        store = StoreFactory()
        with pytest.raises(ValidationError) as caught:
            services.store_update(actor=SuperuserFactory(), store=store, data={"backup_owner": store.primary_owner})
        assert "backup_owner" in caught.value.message_dict
        store.refresh_from_db()
        assert store.backup_owner_id != store.primary_owner_id

    def test_making_the_primary_owner_the_backup_owner_is_refused(self):
        store = StoreFactory()
        with pytest.raises(ValidationError) as caught:
            services.store_update(actor=SuperuserFactory(), store=store, data={"primary_owner": store.backup_owner})
        assert "backup_owner" in caught.value.message_dict

    def test_a_new_owner_on_leave_is_refused(self):
        store = StoreFactory()
        with pytest.raises(ValidationError) as caught:
            services.store_update(
                actor=SuperuserFactory(), store=store, data={"primary_owner": StaffFactory(status="on_leave")}
            )
        assert "primary_owner" in caught.value.message_dict

    def test_an_owner_on_leave_does_not_block_other_edits(self):
        store = StoreFactory()
        Store.primary_owner.field.related_model.objects.filter(pk=store.primary_owner_id).update(status="on_leave")
        services.store_update(actor=SuperuserFactory(), store=store, data={"emergency_contact": "马超"})
        store.refresh_from_db()
        assert store.emergency_contact == "马超"

    def test_settings_manager_edits_their_store_only(self, grant):
        mine, other = StoreFactory(), StoreFactory()
        actor = grant(StaffFactory(), {"settings_manage"}, stores=[mine])
        services.store_update(actor=actor, store=mine, data={"name": "改名"})
        with pytest.raises(PermissionDenied):
            services.store_update(actor=actor, store=other, data={"name": "改名"})
        other.refresh_from_db()
        assert other.name != "改名"

    def test_new_owners_must_be_people_the_actor_may_see(self, grant):
        mine, other = StoreFactory(), StoreFactory()
        actor = grant(StaffFactory(), owner_rights(), stores=[mine])
        stranger = StaffFactory()  # works in no store the actor can see
        with pytest.raises(ValidationError) as caught:
            services.store_update(actor=actor, store=mine, data={"backup_owner": stranger})
        assert "backup_owner" in caught.value.message_dict
        with pytest.raises(ValidationError):
            services.store_update(actor=actor, store=mine, data={"backup_owner": other.primary_owner})
        # The current owners can always be kept or swapped.
        services.store_update(
            actor=actor, store=mine, data={"primary_owner": mine.backup_owner, "backup_owner": mine.primary_owner}
        )

    def test_an_edit_that_takes_the_store_out_of_reach_is_refused_and_rolled_back(self, grant):
        actor = StaffFactory()
        store = StoreFactory(primary_owner=actor)
        colleague = store.backup_owner
        grant.owned(actor, owner_rights())  # rights on the stores actor is primary owner of
        with pytest.raises(PermissionDenied):
            services.store_update(actor=actor, store=store, data={"primary_owner": colleague, "backup_owner": actor})
        store.refresh_from_db()
        assert store.primary_owner_id == actor.pk
        assert events("store.update") == []

    def test_a_settings_manager_without_the_owners_rights_cannot_name_an_owner(self, grant):
        """No escalation through ownership: someone who may edit the store's settings but does not hold the
        store-admin role's rights there cannot make anyone (themselves included) an owner; other edits go on."""
        store = StoreFactory()
        actor = grant(StaffFactory(), {"settings_manage", "users_view"}, stores=[store])
        for data in (
            {"backup_owner": actor},
            {"primary_owner": store.backup_owner, "backup_owner": store.primary_owner},
        ):
            with pytest.raises(PermissionDenied):
                services.store_update(actor=actor, store=store, data=data)
        assert Store.objects.get(pk=store.pk).backup_owner_id != actor.pk and events("store.update") == []
        assert services.store_update(actor=actor, store=store, data={"name": "改名"}).name == "改名"

    def test_archive_sets_the_status_with_the_reason(self):
        store = StoreFactory()
        services.store_archive(actor=SuperuserFactory(), store=store, reason="停止运营")
        store.refresh_from_db()
        assert store.status == "archived"
        [event] = events("store.update")
        assert event.after == {"status": "archived"} and event.reason == "停止运营"
