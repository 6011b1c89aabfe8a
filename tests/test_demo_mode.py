"""Demo mode, as `bin/run` serves it: seed_demo's records and the simulators mounted under /sandbox/ agree.

The console runs in a live server with SHOPCREW_DEMO on (config.urls reloaded so /sandbox/ is mounted,
the sandbox app's ready() filling the in-memory world from sandbox/demo_world.py); the console's own
platform calls go to that server's /sandbox/shopee and /sandbox/wecom, exactly as under bin/run.
"""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import clear_url_caches, reverse

from core.middleware import needs_second_factor
from core.permissions import owner_rights
from core.seeding import demo_world as console_world
from notifications.models import Robot, validate_robot_name
from rbac.models import RoleBinding
from rbac.permissions import load_permissions
from sandbox import demo_world
from sandbox.control import Control
from sandbox.http import robot_ref
from staff.models import Staff
from stores.models import OzonCredential, ShopeeApp, ShopeeCredential, Store
from tests.stores.connection_support import authorize_through_views


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("SHOPCREW_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def demo_console(settings, live_server):
    """The console in demo mode on a live server: /sandbox/ mounted, demo world installed, base URLs set."""
    import config.urls

    settings.SHOPCREW_DEMO = True
    importlib.reload(config.urls)
    clear_url_caches()
    apps.get_app_config("sandbox").ready()
    sandbox = f"{live_server.url}/sandbox"
    settings.SHOPEE_BASE_URL, settings.OZON_BASE_URL = f"{sandbox}/shopee", f"{sandbox}/ozon"
    settings.WECOM_BASE_URL = f"{sandbox}/wecom"
    control = Control(sandbox, token=settings.SHOPCREW_SANDBOX_CONTROL_TOKEN)  # as the console's worker calls it
    yield control
    control.close()
    settings.SHOPCREW_DEMO = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_the_demo_world_matches_the_demo_stores():
    """The console (core.seeding) and the simulators (sandbox.demo_world) read one data file."""
    stores = console_world()["stores"]
    shopee = {(s["shop_id"], s["site"]) for s in stores if s["platform"] == "shopee"}
    ozon = {s["shop_id"] for s in stores if s["platform"] == "ozon"}
    assert {(str(s.shop_id), s.region) for s in demo_world.SHOPS} == shopee
    assert {str(s.client_id) for s in demo_world.SELLERS} == ozon
    for robot in demo_world.ROBOTS:
        validate_robot_name(robot.name)
        assert robot.shop_id is None or robot.shop_id in {shop_id for shop_id, _ in shopee} | ozon


@pytest.mark.django_db(transaction=True)
def test_seeded_console_and_mounted_simulators_agree(var_dir, demo_console, login):
    output = seed()
    admin = Staff.objects.get(username="admin")
    client = login(admin)

    # Shopee: the console's app is the simulated partner, and the simulator knows every demo Shopee store.
    app = ShopeeApp.objects.get()
    assert app.partner_id == demo_world.PARTNER_ID and app.partner_key == demo_world.PARTNER_KEY
    for store in Store.objects.filter(platform="shopee"):
        shop = client.get(f"/sandbox/control/shopee/shops/{store.shop_id}").json()
        assert shop["partner_id"] == app.partner_id and shop["region"] == store.site and shop["orders"] >= 300
    # Ozon: each Ozon store's saved keys are its simulated seller's.
    for store in Store.objects.filter(platform="ozon"):
        credential = OzonCredential.objects.get(store=store)
        seller = client.get(f"/sandbox/control/ozon/sellers/{store.shop_id}").json()
        assert credential.client_id == int(store.shop_id) and seller["api_key"] == credential.api_key
        assert seller["postings"] >= 300

    # A demo Shopee store is authorized through the simulated Shopee page mounted in the console.
    store = Store.objects.get(platform="shopee", shop_id=str(demo_world.SHOPS[0].shop_id))
    authorize_through_views(client, store)
    assert ShopeeCredential.objects.get(store=store).is_authorized
    assert client.post(reverse("store_auth:connection_test", args=[store.pk])).status_code == 302
    assert ShopeeCredential.objects.get(store=store).last_error == ""

    # A demo robot's test message lands on the mounted WeCom simulator's page.
    robot = Robot.objects.get(name=demo_world.ROBOTS[0].name)
    assert robot.store == store and robot.webhook_key == demo_world.ROBOTS[0].key
    client.post(reverse("notifications:robot_test", args=[robot.pk]))
    robot.refresh_from_db()
    assert robot.last_success_at is not None, robot.last_error
    assert [m["content"] for m in demo_console.messages(robot.webhook_key)][-1].count(robot.name) == 1
    page = client.get(f"/sandbox/wecom/_messages/{robot_ref(robot.webhook_key)}/")
    assert page.status_code == 200 and robot.name in page.content.decode()
    assert robot.webhook_key not in page.content.decode()

    assert "Demo staff sign in with their username and this password" in output
    assert "Nothing to do" in seed()  # a second run changes nothing


@pytest.mark.django_db
def test_demo_staff_hold_their_positions_roles_and_can_sign_in(var_dir, client):
    seed()
    password = (var_dir / "admin_password").read_text().strip()

    def roles(username):
        return {
            (b.role.key, b.store.shop_id)
            for b in RoleBinding.objects.live().filter(staff__username=username).select_related("role", "store")
        }

    assert roles("wangfang") == {("customer_service", "220001"), ("customer_service", "220002")}
    # Store admins run the stores they own through ownership (it carries the store-admin role), not a binding;
    # every demo owner is one of them, and so signs in with a second factor.
    store_admins = set(Staff.objects.filter(position__name="店铺管理员").values_list("username", flat=True))
    assert store_admins == {"sunhao", "machao", "zhulin"} and not any(roles(u) for u in store_admins)
    for store in Store.objects.select_related("primary_owner", "backup_owner"):
        assert {store.primary_owner.username, store.backup_owner.username} <= store_admins
        assert load_permissions(store.primary_owner).perms_on(store.pk) == owner_rights()
    sunhao = Staff.objects.get(username="sunhao")
    owned = {s.shop_id for s in Store.objects.all() if load_permissions(sunhao).has("users_manage", s.pk)}
    assert owned == {"220001", "220003"} and needs_second_factor(sunhao)
    assert not needs_second_factor(Staff.objects.get(username="wangfang"))
    assert roles("xuli") == {
        ("finance_analyst", s) for s in Store.objects.filter(platform="ozon").values_list("shop_id", flat=True)
    }
    assert all(len(roles(username)) >= 1 for username in ("lina", "zhangwei", "chenjing", "zhouting", "wujun"))

    signed_in = client.post(reverse("accounts:login"), {"username": "wangfang", "password": password})
    assert signed_in.status_code == 302
    duties = client.get(reverse("rbac:my_duties"))
    assert duties.status_code == 200
    html = duties.content.decode()
    assert "Shopee 新加坡旗舰店" in html and "Shopee 马来西亚店" in html and "Ozon 莫斯科店" not in html


@pytest.mark.django_db(transaction=True)
def test_the_consoles_own_mount_is_closed_to_strangers(demo_console, client):
    """config.urls in demo mode (not a test urlconf): no page and no stored key for anyone not signed in."""
    seller = demo_world.SELLERS[0]
    assert demo_console.http.get(f"ozon/sellers/{seller.client_id}").json()["api_key"]  # the console's token
    assert client.get("/sandbox/").status_code == 302
    refused = client.get(f"/sandbox/control/ozon/sellers/{seller.client_id}")
    assert refused.status_code == 401 and seller.api_key not in refused.content.decode()
    assert client.get("/sandbox/wecom/_messages/").status_code == 302
