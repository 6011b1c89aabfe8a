"""`manage.py seed_demo`: the demo company — departments, positions, staff, an admin, five stores, their
platform connections, roles and group robots.

Idempotent: every step looks rows up by their natural key first and creates only what is missing (through
the services, so each creation is audited with source "system"); a second run creates nothing and says so.

The steps are each app's own (`<app>/demo.py`, SEED_STEPS), collected in INSTALLED_APPS order by
core.seeding: this command imports no app above staff.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand
from django.db import transaction

from core import context
from core.seeding import Seed, seed_steps
from staff.demo import STAFF, admin_password
from staff.models import Staff

SIGN_IN_URL = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"


class Command(BaseCommand):
    help = "Load the demo company (staff, stores, connections, roles, robots). Safe to run again."

    def handle(self, *args, **options):
        seed = Seed()
        with context.bound(
            source="system",
            actor_id=None,
            actor_display="seed_demo",
            request_id=context.new_request_id(),
            ip=None,
            user_agent="",
        ):
            with transaction.atomic():
                for step in seed_steps():
                    step(seed)
            if seed.counts:  # the audit log's first check and signed checkpoint now, not a day later (then daily)
                from security.tasks import audit_checkpoint

                audit_checkpoint.run()
        if seed.counts:
            made = ", ".join(f"{count} {label}" for label, count in seed.counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {made}."))
        else:
            self.stdout.write("Nothing to do: the demo data is already there.")
        self.print_sign_in(seed.admin)

    def print_sign_in(self, admin: Staff) -> None:
        password = admin_password(create=False)
        shown = password if password and admin.check_password(password) else "(changed since it was seeded; not shown)"
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Sign in to ShopCrew"))
        self.stdout.write(f"  URL:      {SIGN_IN_URL}")
        self.stdout.write(f"  Username: {admin.username}")
        self.stdout.write(f"  Password: {shown}")
        self.stdout.write("  You will be asked to set up two-factor sign-in (TOTP) on first sign-in.")
        demo = Staff.objects.filter(username=STAFF[0][0]).first()
        if password and demo is not None and demo.check_password(password):
            self.stdout.write(f"  Demo staff sign in with their username and this password (e.g. {demo.username}).")
