from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "Walk the audit hash chain; print the first broken link and exit non-zero if there is one."

    def handle(self, *args, **options):
        checked, broken, why = verify_chain()
        if broken is not None:
            self.stderr.write(
                f"BROKEN at audit event id={broken['id']} ({broken['action']} at {broken['created_at']}): {why}. "
                f"{checked} earlier events verified."
            )
            raise CommandError("audit chain is broken", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
