import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from audit.services import SECRET_MARK
from rbac.services import staff_offboard
from staff import services
from staff.models import Department, Position, Staff
from tests.factories import (
    TEST_PASSWORD,
    DepartmentFactory,
    PositionFactory,
    StaffFactory,
    StoreFactory,
    SuperuserFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brisk-Lantern-2025"


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def create_kwargs(**overrides):
    data = {
        "username": "wangfang",
        "name": "王芳",
        "password": NEW_PASSWORD,
        "employee_id": "E9001",
        "mobile": "13800138000",
        "wecom_userid": "WangFang",
    }
    data.update(overrides)
    return data


class TestStaffCreate:
    def test_super_admin_creates_with_password_and_one_audit_event(self):
        admin = SuperuserFactory()
        department = DepartmentFactory(name="客服部")
        person = services.staff_create(actor=admin, department=department, **create_kwargs())

        person.refresh_from_db()
        assert person.check_password(NEW_PASSWORD)
        assert person.is_active and person.status == "active"
        [event] = events("staff.create")
        assert event.target_id == str(person.pk)
        assert event.before is None
        assert event.after["username"] == "wangfang"
        assert event.after["department"] == department.pk
        assert event.after["password"] == SECRET_MARK
        assert NEW_PASSWORD not in str(event.after)

    def test_blank_employee_id_is_stored_as_null_so_several_people_can_lack_one(self):
        admin = SuperuserFactory()
        first = services.staff_create(actor=admin, **create_kwargs(employee_id=""))
        second = services.staff_create(actor=admin, **create_kwargs(username="lina", employee_id=""))
        assert first.employee_id is None and second.employee_id is None

    def test_without_all_store_user_management_is_refused(self, grant):
        store = StoreFactory()
        manager = grant(StaffFactory(), {"users_manage", "users_view"}, stores=[store])
        with pytest.raises(PermissionDenied):
            services.staff_create(actor=manager, **create_kwargs())
        assert not Staff.objects.filter(username="wangfang").exists()
        assert events("staff.create") == []

    @pytest.mark.parametrize(
        ("field", "value"), [("mobile", "12345"), ("wecom_userid", "王 芳"), ("username", "bad name!")]
    )
    def test_invalid_fields_save_nothing(self, field, value):
        admin = SuperuserFactory()
        with pytest.raises(ValidationError) as caught:
            services.staff_create(actor=admin, **create_kwargs(**{field: value}))
        assert field in caught.value.message_dict
        assert not Staff.objects.filter(name="王芳").exists()
        assert events("staff.create") == []

    def test_weak_password_is_refused_on_the_password_field(self):
        with pytest.raises(ValidationError) as caught:
            services.staff_create(actor=SuperuserFactory(), **create_kwargs(password="12345678"))
        assert "password" in caught.value.message_dict

    def test_duplicate_employee_id_is_refused(self):
        admin = SuperuserFactory()
        StaffFactory(employee_id="E9001")
        with pytest.raises(ValidationError) as caught:
            services.staff_create(actor=admin, **create_kwargs())
        assert "employee_id" in caught.value.message_dict

    def test_no_password_gives_an_unusable_one(self):
        person = services.staff_create(actor=SuperuserFactory(), **create_kwargs(password=None))
        assert not person.has_usable_password()
        assert events("staff.create")[0].after["password"] == ""


class TestStaffUpdate:
    def test_records_only_the_changed_fields(self):
        admin = SuperuserFactory()
        old, new = DepartmentFactory(), DepartmentFactory()
        person = StaffFactory(department=old, mobile="13800000001")
        services.staff_update(
            actor=admin, staff=person, data={"department": new, "mobile": "13800000001", "notes": "调岗"}
        )
        [event] = events("staff.update")
        assert event.before == {"department": old.pk, "notes": ""}
        assert event.after == {"department": new.pk, "notes": "调岗"}

    def test_nothing_changed_records_nothing(self):
        person = StaffFactory()
        services.staff_update(actor=SuperuserFactory(), staff=person, data={"name": person.name})
        assert events("staff.update") == []

    def test_offboarding_ends_sign_in_and_reactivating_restores_it(self):
        admin = SuperuserFactory()
        person = StaffFactory()
        staff_offboard(actor=admin, staff=person, reason="resigned")
        person.refresh_from_db()
        assert person.status == "offboarded" and not person.is_active
        after = events("staff.offboard")[0].after
        assert (after["status"], after["is_active"]) == ("offboarded", False)

        services.staff_update(actor=admin, staff=person, data={"status": "active"})
        person.refresh_from_db()
        assert person.is_active
        assert events("staff.update")[0].after == {"status": "active", "is_active": True}

    @pytest.mark.parametrize("start", ["active", "on_leave"])
    def test_an_edit_never_offboards_and_points_to_the_offboarding_action(self, start):
        person = StaffFactory(status=start)
        with pytest.raises(ValidationError) as caught:
            services.staff_update(actor=SuperuserFactory(), staff=person, data={"status": "offboarded"})
        [message] = caught.value.message_dict["status"]
        assert "办理离职" in message and "/offboard/" in message  # zh-hans, the default language
        person.refresh_from_db()
        assert person.status == start and person.is_active
        assert events("staff.update") == []

    def test_an_offboarded_person_can_still_be_edited_without_reactivating(self):
        admin = SuperuserFactory()
        person = StaffFactory()
        staff_offboard(actor=admin, staff=person, reason="resigned")
        services.staff_update(actor=admin, staff=person, data={"status": "offboarded", "notes": "left in May"})
        person.refresh_from_db()
        assert person.status == "offboarded" and not person.is_active and person.notes == "left in May"

    def test_nobody_is_created_offboarded(self):
        with pytest.raises(ValidationError) as caught:
            services.staff_create(actor=SuperuserFactory(), **create_kwargs(status="offboarded"))
        assert "status" in caught.value.message_dict
        assert not Staff.objects.filter(username="wangfang").exists()

    def test_on_leave_keeps_sign_in(self):
        person = StaffFactory()
        services.staff_update(actor=SuperuserFactory(), staff=person, data={"status": "on_leave"})
        person.refresh_from_db()
        assert person.status == "on_leave" and person.is_active

    def test_a_store_owner_cannot_be_offboarded_before_handing_over(self):
        store = StoreFactory(name="Shopee 新加坡店")
        with pytest.raises(ValidationError) as caught:
            staff_offboard(actor=SuperuserFactory(), staff=store.backup_owner, reason="resigned")
        assert "Shopee 新加坡店" in caught.value.messages[0]
        store.backup_owner.refresh_from_db()
        assert store.backup_owner.status == "active"
        assert events("staff.offboard") == []

    def test_nobody_changes_their_own_status(self):
        admin = SuperuserFactory()
        with pytest.raises(ValidationError) as caught:
            services.staff_update(actor=admin, staff=admin, data={"status": "on_leave"})
        assert "status" in caught.value.message_dict

    def test_super_admin_sets_a_password_audited_as_a_marker(self):
        person = StaffFactory()
        services.staff_update(actor=SuperuserFactory(), staff=person, data={}, password=NEW_PASSWORD)
        person.refresh_from_db()
        assert person.check_password(NEW_PASSWORD)
        [event] = events("staff.update")
        assert event.after == {"password": SECRET_MARK}

    def test_store_user_manager_edits_people_who_work_only_in_their_stores(self, grant):
        store_a, store_b = StoreFactory(), StoreFactory()
        manager = grant(StaffFactory(), {"users_view", "users_manage"}, stores=[store_a])
        services.staff_update(actor=manager, staff=store_a.primary_owner, data={"mobile": "13900000000"})
        assert events("staff.update")[0].after == {"mobile": "13900000000"}

        with pytest.raises(PermissionDenied):  # works in store B too, which the manager does not manage
            services.staff_update(actor=manager, staff=store_b.primary_owner, data={"mobile": "13900000001"})
        store_b.primary_owner.refresh_from_db()
        assert store_b.primary_owner.mobile != "13900000001"

    def test_store_user_manager_cannot_edit_super_admins_or_set_passwords(self, grant):
        store = StoreFactory()
        manager = grant(StaffFactory(), {"users_view", "users_manage"}, stores=[store])
        with pytest.raises(PermissionDenied):
            services.staff_update(actor=manager, staff=SuperuserFactory(), data={"notes": "x"})
        with pytest.raises(PermissionDenied):
            services.staff_update(actor=manager, staff=store.primary_owner, data={}, password=NEW_PASSWORD)
        assert store.primary_owner.check_password(TEST_PASSWORD)

    def test_plain_staff_cannot_edit_anyone(self):
        with pytest.raises(PermissionDenied):
            services.staff_update(actor=StaffFactory(), staff=StaffFactory(), data={"notes": "x"})


class TestDepartmentsAndPositions:
    def test_department_lifecycle_is_audited(self):
        admin = SuperuserFactory()
        manager = StaffFactory()
        department = services.department_create(actor=admin, name="仓储部", description="收发货")
        services.department_update(actor=admin, department=department, data={"manager": manager})
        services.department_delete(actor=admin, department=department, reason="合并")

        assert not Department.objects.filter(name="仓储部").exists()
        assert events("department.create")[0].after == {"name": "仓储部", "manager": None, "description": "收发货"}
        update = events("department.update")[0]
        assert (update.before, update.after) == ({"manager": None}, {"manager": manager.pk})
        delete = events("department.delete")[0]
        assert delete.before["name"] == "仓储部" and delete.after is None and delete.reason == "合并"

    def test_department_in_use_cannot_be_deleted(self):
        department = DepartmentFactory()
        StaffFactory(department=department)
        with pytest.raises(ValidationError):
            services.department_delete(actor=SuperuserFactory(), department=department)
        assert Department.objects.filter(pk=department.pk).exists()

    def test_inactive_manager_is_refused(self):
        with pytest.raises(ValidationError) as caught:
            services.department_create(actor=SuperuserFactory(), name="财务", manager=StaffFactory(status="on_leave"))
        assert "manager" in caught.value.message_dict

    def test_duplicate_name_is_refused(self):
        DepartmentFactory(name="财务")
        with pytest.raises(ValidationError) as caught:
            services.department_create(actor=SuperuserFactory(), name="财务")
        assert "name" in caught.value.message_dict

    def test_position_lifecycle_is_audited(self):
        admin = SuperuserFactory()
        first, second = DepartmentFactory(), DepartmentFactory()
        position = services.position_create(actor=admin, name="客服-初级", department=first, description="回复咨询")
        services.position_update(actor=admin, position=position, data={"department": second})
        services.position_delete(actor=admin, position=position)
        assert not Position.objects.filter(name="客服-初级").exists()
        assert events("position.create")[0].after["department"] == first.pk
        assert events("position.update")[0].after == {"department": second.pk}
        assert events("position.delete")[0].before["name"] == "客服-初级"

    def test_held_position_cannot_be_deleted(self):
        position = PositionFactory()
        StaffFactory(position=position)
        with pytest.raises(ValidationError):
            services.position_delete(actor=SuperuserFactory(), position=position)

    def test_only_super_admins_change_the_directory(self, grant):
        store = StoreFactory()
        manager = grant(StaffFactory(), {"users_view", "users_manage"}, stores=[store])
        with pytest.raises(PermissionDenied):
            services.department_create(actor=manager, name="新部门")
        with pytest.raises(PermissionDenied):
            services.position_update(actor=manager, position=PositionFactory(), data={"name": "改名"})
        assert events("department.create") == [] and events("position.update") == []
