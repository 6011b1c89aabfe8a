import io
import os
import stat

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from core.seeding import demo_world
from staff.demo import DEPARTMENTS, POSITIONS, STAFF
from staff.models import Department, Position, Staff
from stores.models import Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("SHOPCREW_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    return tmp_path


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return (
        Department.objects.count(),
        Position.objects.count(),
        Staff.objects.count(),
        Store.objects.count(),
        AuditEvent.objects.count(),
    )


def test_creates_the_demo_company(var_dir):
    output = seed()
    assert set(Department.objects.values_list("name", flat=True)) >= {
        "客服部",
        "仓储部",
        "运营部",
        "广告与市场",
        "财务",
        "技术/IT",
        "行政/人事",
        "店铺管理",
    }
    assert not Department.objects.filter(name__in=[name for name, _ in DEPARTMENTS], manager=None).exists()
    for name, department, _ in POSITIONS:
        position = Position.objects.get(name=name)
        assert position.department.name == department and position.description
    people = Staff.objects.filter(username__in=[row[0] for row in STAFF])
    assert people.count() == len(STAFF) >= 15
    held = set(people.exclude(position=None).values_list("position__name", flat=True))
    assert held == {"客服-初级", "客服-高级", "仓储", "运营-数据", "广告", "财务", "店铺管理员"}
    assert not people.filter(employee_id=None).exists() and not people.filter(mobile="").exists()
    assert not people.filter(wecom_userid="").exists() and not people.filter(hire_date=None).exists()

    stores = Store.objects.filter(shop_id__in=[row["shop_id"] for row in demo_world()["stores"]])
    assert sorted(stores.filter(platform="shopee").values_list("site", flat=True)) == ["MY", "SG", "TH"]
    assert list(stores.filter(platform="ozon").values_list("site", flat=True)) == ["RU", "RU"]
    for store in stores:
        assert store.primary_owner_id != store.backup_owner_id
        assert store.primary_owner.is_working and store.backup_owner.is_working

    assert "Demo data created" in output
    seeded = AuditEvent.objects.exclude(action__startswith="auth.")
    assert set(seeded.values_list("source", flat=True)) == {"system"}
    assert seeded.filter(action="store.create").count() == 5
    assert seeded.filter(action="staff.create").count() == len(STAFF) + 1

    # Every demo store's currency converts on the board (its converted sales and ROAS are not empty).
    from reports.models import ExchangeRate

    rates = set(ExchangeRate.objects.values_list("currency", flat=True))
    assert rates == {"SGD", "THB", "MYR", "RUB"} and seeded.filter(action="exchange_rate.update").count() == 4


def test_admin_password_is_generated_once_stored_privately_and_printed(var_dir):
    output = seed()
    path = var_dir / "admin_password"
    password = path.read_text().strip()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    admin = Staff.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    for text in ("http://127.0.0.1:8000", "admin", password):
        assert text in output
    assert AuditEvent.objects.get(action="staff.create", target_id=str(admin.pk)).after["password"] != password


def test_admin_password_from_the_environment(var_dir, monkeypatch):
    monkeypatch.setenv("SHOPCREW_ADMIN_PASSWORD", "Env-Provided-Secret-9")
    output = seed()
    assert Staff.objects.get(username="admin").check_password("Env-Provided-Secret-9")
    assert "Env-Provided-Secret-9" in output
    assert not (var_dir / "admin_password").exists()


def test_a_second_run_changes_nothing_and_says_so(var_dir):
    seed()
    before = counts()
    password = (var_dir / "admin_password").read_text()
    output = seed()
    assert counts() == before
    assert "Nothing to do" in output
    assert (var_dir / "admin_password").read_text() == password
    assert password.strip() in output


def test_demo_staff_sign_in_with_the_demo_password(var_dir):
    output = seed()
    password = (var_dir / "admin_password").read_text().strip()
    assert Staff.objects.get(username="wangfang").check_password(password)
    assert "Demo staff sign in with their username and this password" in output
