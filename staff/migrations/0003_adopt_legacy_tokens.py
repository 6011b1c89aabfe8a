"""rest_framework.authtoken's plain-text tokens become hashed staff.ApiToken rows, and its table goes.

A script holding an old token keeps working (its secret is recognised by its SHA-256 digest) until the new
token's expiry, 90 days from this migration; the plain-text secrets are no longer anywhere in the database."""

import hashlib
from datetime import timedelta

from django.db import migrations
from django.utils import timezone

LEGACY_TABLE = "authtoken_token"


def adopt(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("staff", "ApiToken")
    quoted = schema_editor.quote_name(LEGACY_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {quoted}")  # noqa: S608 (a fixed table name)
        rows = cursor.fetchall()
    expires = timezone.now() + timedelta(days=90)
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="personal token (before hashed tokens)",
            prefix=key[:8],
            digest=hashlib.sha256(key.encode()).hexdigest(),
            expires_at=expires,
        )
        for key, user_id in rows
    )
    schema_editor.execute(f"DROP TABLE {quoted}")


class Migration(migrations.Migration):
    dependencies = [("staff", "0002_api_tokens")]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]
