"""Re-encrypt every stored secret with the newest key in SHOPCREW_FERNET_KEYS.

Rotation: put a new key first in SHOPCREW_FERNET_KEYS (keep the old ones after it), restart,
run `manage.py rotate_secrets`, then remove the old keys. Rows already under the newest key are
left alone, so the command can be repeated safely. No value is ever printed.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from core import context
from core.crypto import DecryptionError, encrypted_fields, needs_rotation, rotate


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the newest key in SHOPCREW_FERNET_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change, change nothing.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, dry_run=False, batch_size=500, **options):
        total = 0
        with context.bound(source="system", actor_display="manage.py rotate_secrets"):
            for model, names in encrypted_fields():
                for name in names:
                    try:
                        count = self._rotate_column(model, name, dry_run=dry_run, batch_size=batch_size)
                    except DecryptionError as exc:
                        raise CommandError(f"{model._meta.label}.{name}: {exc}") from None
                    total += count
                    if count:
                        self.stdout.write(
                            f"{model._meta.label}.{name}: {count} value(s)"
                            f"{' to re-encrypt' if dry_run else ' re-encrypted'}"
                        )
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"{total} secret(s) {verb}."))

    def _rotate_column(self, model, name: str, *, dry_run: bool, batch_size: int) -> int:
        """Reads the raw ciphertext (bypassing decryption) and rewrites only the stale tokens."""
        raw = models.ExpressionWrapper(models.F(name), output_field=models.TextField())
        rows = (
            model._base_manager.exclude(**{name: ""})
            .exclude(**{f"{name}__isnull": True})
            .annotate(_raw_secret=raw)
            .values_list("pk", "_raw_secret")
            .order_by("pk")
        )
        count = 0
        stale: list[tuple[object, str]] = []
        for pk, token in rows.iterator(chunk_size=batch_size):
            if token and needs_rotation(token):
                stale.append((pk, token))
                count += 1
            if len(stale) >= batch_size:
                self._write(model, name, stale, dry_run=dry_run)
                stale = []
        self._write(model, name, stale, dry_run=dry_run)
        return count

    @staticmethod
    def _write(model, name: str, stale, *, dry_run: bool) -> None:
        if dry_run or not stale:
            return
        with transaction.atomic():
            for pk, token in stale:
                # Written as raw text so the field does not encrypt the new token a second time.
                model._base_manager.filter(pk=pk).update(
                    **{name: models.Value(rotate(token), output_field=models.TextField())}
                )
