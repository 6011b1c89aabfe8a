"""The default checklist templates from the seller's SOP (sop.defaults): the daily store check, onboarding,
offboarding handover, transfer. Idempotent: a template of the same name is left as it is."""

from django.db import migrations


def seed(apps, schema_editor):
    from sop.defaults import seed as seed_defaults

    seed_defaults(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("sop", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
