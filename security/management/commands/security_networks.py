"""Show, or remove, the administrator networks of the security policy — the way back when a wrong list stops every
administrator from signing in (run by whoever runs the server; audited as "security.policy_update")."""

from django.core.management.base import BaseCommand

from core import context
from security import policy, services


class Command(BaseCommand):
    help = "Show the administrator networks of the security policy; --clear removes them (administrators may then sign in from anywhere)."

    def add_arguments(self, parser):
        parser.add_argument("--clear", action="store_true", help="remove every administrator network")

    def handle(self, *args, clear=False, **options):
        if clear:
            with context.bound(source="system", actor_display="manage.py security_networks --clear"):
                cleared = services.networks_clear(reason="cleared from the command line")
            self.stdout.write("Administrator networks removed." if cleared else "No administrator networks were set.")
            return
        networks = policy.current().admin_networks.strip()
        self.stdout.write(networks or "No administrator networks: administrators may sign in from anywhere.")
