"""Append-only on every database: audit events and checkpoints refuse UPDATE and DELETE.

PostgreSQL: the trigger function of 0003 now names the table it guards, and guards the checkpoints too.
SQLite (the quick start's embedded database): BEFORE UPDATE / BEFORE DELETE triggers that abort the statement.
As in 0003, these stop mistakes and anyone without the owner's rights; the owner can drop a trigger, which is
what the hash chain and the signed checkpoints are for (README, "Audit log").
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_auditcheckpoint")

POSTGRESQL = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_checkpoint_no_update_delete ON audit_auditcheckpoint;
CREATE TRIGGER audit_checkpoint_no_update_delete BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
POSTGRESQL_BACK = "DROP TRIGGER IF EXISTS audit_checkpoint_no_update_delete ON audit_auditcheckpoint;"


def _sqlite(table: str, op: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} is not allowed'); END;"
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(_sqlite(table, op))


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACK)
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_checkpoints")]

    operations = [migrations.RunPython(forwards, backwards)]
