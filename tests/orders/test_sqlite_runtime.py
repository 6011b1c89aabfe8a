"""Polling on SQLite, as `bin/run` runs the quick start (embedded database, no PostgreSQL): the dispatcher
claims the store, the first poll imports history quietly, a later order is announced, cursors move.

The suite's database is PostgreSQL, so this runs in a child process on a fresh SQLite file, against the
session's simulators over HTTP, exactly as bin/run's worker would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
from sandbox.control import Control
from events.models import Event
from orders.models import Order, SyncState
from orders.polling import store_poll, sync_claim_due, sync_states_ensure
from staff.models import Staff
from stores.models import ShopeeApp, ShopeeCredential, Store

control = Control(os.environ["SIM"])
partner = control.create_partner()
shop_id = control.create_shop(partner_id=partner["partner_id"], region="SG")["shop_id"]
now = int(control.clock()["now"])
control.seed_orders(shop_id, count=5, **{"from": now - 3600, "to": now - 60, "cod_ratio": 1, "cancel_ratio": 0})
tokens = control.issue_tokens(shop_id, partner_id=partner["partner_id"])
a = Staff.objects.create_user(username="a", password="x-Pass-1234", name="甲")
b = Staff.objects.create_user(username="b", password="x-Pass-1234", name="乙")
app = ShopeeApp.objects.create(name="t", partner_id=partner["partner_id"], partner_key=partner["partner_key"],
                               environment="simulator")
store = Store.objects.create(name="泰国店", platform="shopee", site="SG", shop_id=str(shop_id),
                             primary_owner=a, backup_owner=b)
t = timezone.now()
ShopeeCredential.objects.create(store=store, app=app, access_token=tokens["access_token"],
    refresh_token=tokens["refresh_token"], access_expires_at=t + timedelta(hours=4), refresh_issued_at=t,
    refresh_expires_at=t + timedelta(days=30), authorized_at=t, authorization_expires_at=t + timedelta(days=365))
out = {"ensured": sync_states_ensure(), "claimed": sync_claim_due(), "claimed_again": sync_claim_due()}
out["first"] = store_poll(store_id=store.pk).outcome
out["orders_after_first"] = Order.objects.count()
out["events_after_first"] = Event.objects.count()
now = int(control.clock()["now"])
(sn,) = control.seed_orders(shop_id, count=1, **{"from": now - 5, "to": now, "cod_ratio": 1, "cancel_ratio": 0})["order_sns"]
out["second"] = store_poll(store_id=store.pk).outcome
out["new_order_events"] = list(Event.objects.filter(kind="order.new").values_list("payload__order_id", flat=True))
out["sn"] = sn
state = SyncState.objects.get(store=store)
out["health"], out["cursors"] = state.health, sorted(state.cursors)
print("RESULT " + json.dumps(out))
"""


def test_polling_works_on_sqlite_as_bin_run_uses_it(simulator, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}",
        "SHOPEE_BASE_URL": simulator.shopee_url,
        "SHOPCREW_FERNET_KEYS": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
        "SHOPCREW_RATE_LIMITER": "database",
        "CELERY_BROKER_URL": "memory://",  # the kick after each commit goes nowhere
        "SIM": simulator.base_url,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT ") :])
    assert (out["ensured"], len(out["claimed"]), out["claimed_again"]) == (1, 1, [])
    assert (out["first"], out["orders_after_first"], out["events_after_first"]) == ("ok", 5, 0)  # history: quiet
    assert out["second"] == "ok"
    assert out["new_order_events"] == [out["sn"]]
    assert out["health"] == "ok" and "orders" in out["cursors"]
