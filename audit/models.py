"""The audit log: append-only, hash-chained records of who did what to what, when and from where."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import RestrictedModel


class Source(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    TASK = "task", _("Background task")
    SYSTEM = "system", _("System")


# The text the search box reads, as one expression: PostgreSQL keeps a trigram index of exactly this (migration
# 0008), so a search reads the index, not five million rows.
SEARCH_SQL = (
    "upper(action || ' ' || target_type || ' ' || target_id || ' ' || target_label || ' ' || actor_display"
    " || ' ' || reason)"
)


class AuditEvent(RestrictedModel):
    """One recorded action. Never updated or deleted (a PostgreSQL trigger refuses both).

    `hash` covers this row's content and `prev_hash`, the previous row's hash, so altering or
    removing a row breaks the chain that `manage.py verify_audit_chain` walks.
    """

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_display = models.CharField(_("actor name"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.SYSTEM)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    store = models.ForeignKey(
        settings.SHOPCREW_STORE_MODEL,
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target ID"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # {field: {id: name}}: what the ids in before/after were called when this was recorded (audit.names)
    names = models.JSONField(_("names at the time"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    store_lookups = ("store",)
    permission_map = {"view": "users_view"}

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit event")
        ordering = ["-id"]
        # Every filter of the audit page reads a (…, id) index newest first and stops at a page (keyset pages;
        # benchmarks/audit_bench.py at 5,000,000 events). PostgreSQL also gets, by migration 0008, a
        # pattern index for action prefixes ("binding.") and a trigram index for the text search (SEARCH_SQL).
        indexes = [
            models.Index(fields=["target_type", "target_id", "-id"], name="audit_target_id_idx"),
            models.Index(fields=["store", "-id"]),
            models.Index(fields=["actor", "-id"]),
            models.Index(fields=["action", "-id"], name="audit_action_id_idx"),
            models.Index(fields=["source", "-id"], name="audit_source_id_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_display or '-'} {self.action} {self.target_label}"

    @property
    def action_label(self) -> str:
        """The action in words (audit.vocabulary)."""
        from .vocabulary import action_label

        return str(action_label(self.action))

    @property
    def target_type_label(self) -> str:
        from .vocabulary import target_type_label

        return str(target_type_label(self.target_type)) if self.target_type else ""


class DeniedRepeat(models.Model):
    """How many more times a `denied` event's refusal came back within its minute (same actor, same URL).

    The event itself stays exactly as it was written (the chain is append-only), so the count lives beside
    it; a flood of refused requests grows this one row's counter, never the log.
    """

    event = models.OneToOneField(
        AuditEvent,
        verbose_name=_("audit event"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="repeat",
    )
    repeats = models.PositiveIntegerField(_("repeats"), default=0)
    last_at = models.DateTimeField(_("last repeat"))

    class Meta:
        verbose_name = _("repeated refusal")
        verbose_name_plural = _("repeated refusals")

    def __str__(self):
        return f"{self.event_id} ×{self.repeats}"


HEAD_SHOWN = 16  # hex digits of a checkpoint's head hash in the robot's message and on the audit log page


class AuditCheckpoint(models.Model):
    """A signed statement that the chain held `count` events ending at event `head_id` with hash `head_hash`.

    Written by the daily checkpoint task (and `verify_audit_chain --write-checkpoint`) after the chain verified
    clean. `signature` is HMAC-SHA256 over the other fields under SHOPCREW_AUDIT_CHECKPOINT_KEYS, a key the
    database does not hold, so the rows may live in the database: someone with the database owner's rights can
    delete or alter them but cannot write a new one that verifies. Append-only like the events (a trigger refuses
    UPDATE and DELETE). A copy of each checkpoint's count and head goes to the security robot (WeCom's history).
    """

    created_at = models.DateTimeField(_("time"))
    count = models.PositiveBigIntegerField(_("events in the log"))
    head_id = models.BigIntegerField(_("head event ID"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.count}:{self.head_short}"

    @property
    def head_short(self) -> str:
        """The head hash as the security robot's message shows it (and `verify_audit_chain --checkpoint` takes it)."""
        return self.head_hash[:HEAD_SHOWN]


class ChainCheck(models.Model):
    """The outcome of one run of the chain verifier (the daily task or the command), kept so the audit log page
    can show the chain's state without walking the table. A display aid only: the verifier is the authority."""

    checked_at = models.DateTimeField(_("checked at"))
    intact = models.BooleanField(_("intact"))
    events = models.PositiveBigIntegerField(_("events verified"))
    checkpoints = models.PositiveIntegerField(_("checkpoints verified"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("audit chain check")
        verbose_name_plural = _("audit chain checks")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'ok' if self.intact else 'broken'}"


class AuditArchive(models.Model):
    """Events `first_id`…`last_id` (all of them, in chain order) moved out of the table into `filename`, a gzip of
    JSON lines that verifies on its own (`manage.py verify_audit_archive`): a header, then every event with its
    hash. `total` counts every event archived so far, this one's included, so the chain's positions go on
    counting from where the archives end; the table's first remaining event links to `head_hash`. The file's
    SHA-256 and an HMAC signature (SHOPCREW_AUDIT_CHECKPOINT_KEYS) are kept here. Append-only like the events;
    an event may be deleted only once an archive covers it (the database triggers check)."""

    created_at = models.DateTimeField(_("time"))
    first_id = models.BigIntegerField(_("first event ID"))
    last_id = models.BigIntegerField(_("last event ID"))
    count = models.PositiveBigIntegerField(_("events"))
    total = models.PositiveBigIntegerField(_("events archived in all"))
    first_prev_hash = models.CharField(max_length=64, blank=True)
    head_hash = models.CharField(_("head hash"), max_length=64)
    cutoff = models.DateTimeField(_("events before"))
    filename = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("file SHA-256"), max_length=64)
    signature = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit archive")
        verbose_name_plural = _("audit archives")
        ordering = ["-last_id"]
        indexes = [models.Index(fields=["first_id", "last_id"])]

    def __str__(self):
        return f"{self.filename} ({self.first_id}–{self.last_id})"
