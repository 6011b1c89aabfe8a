"""Demo: every demo store dispatches its after-sales cases (and new orders) to its customer service in turn.

A seed step (listed in orders.demo.SEED_STEPS): for each demo store without work settings yet, the colleagues
who may handle its cases or orders — other than its owners and super admins — go on duty, round-robin, through
orders.store_settings (checked and audited like a manager's change). With the built-in roles, 客服/售后 holds
after_sales_operate but not orders_operate, so cases go round to customer service while new orders wait for
whoever holds orders_operate there to claim them.
"""

from __future__ import annotations

from datetime import timedelta

from core.seeding import Seed

from .choices import AssignmentMode
from .models import StoreSettings
from .selectors import on_duty_choices
from .store_settings import store_work_settings_update


def seed_work_settings(seed: Seed) -> None:
    if seed.admin is None:
        return
    configured = set(StoreSettings.objects.filter(on_duty__isnull=False).values_list("store_id", flat=True))
    for store in seed.stores.values():
        if store.pk in configured:
            continue
        owners = {store.primary_owner_id, store.backup_owner_id}
        people = [p for p in on_duty_choices(store=store).filter(is_superuser=False) if p.pk not in owners]
        if not people:
            continue
        store_work_settings_update(
            actor=seed.admin,
            store=store,
            assignment_mode=AssignmentMode.ROUND_ROBIN,
            on_duty=people,
            escalation_margin=timedelta(hours=12),
        )
        seed.created("stores dispatching work in turn")
