"""The outbox: one row per business transition, written in the transaction of the change that caused it."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from core.models import RestrictedModel

from .choices import EventKind, EventState


class Event(RestrictedModel):
    """A business transition (新订单, 发货, 售后, 库存 …) of one store, or of none (a department's digest).

    Guarantees: `dedupe_key` is unique, so the same transition seen by a push and a poll, twice, or by two
    workers at once is one row (writers insert with ON CONFLICT DO NOTHING, see events.services); a row is
    written inside the transaction of the change it announces, so it exists if and only if that change was
    committed. The consumer moves `state` from pending to processed (or failed) and stamps `processed_at`;
    nothing else is ever updated.
    """

    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    store = models.ForeignKey(
        settings.SHOPCREW_STORE_MODEL,
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # event_store_kind_idx leads with it (one index fewer for every event written)
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # Unique by a constraint (Meta), not unique=True, which on PostgreSQL adds a LIKE index nothing uses.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200)
    occurred_at = models.DateTimeField(_("occurred at"), db_default=Now())
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    state = models.CharField(
        _("state"), max_length=12, choices=EventState.choices, default=EventState.PENDING, db_default="pending"
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    store_lookups = ("store",)
    permission_map = {"view": "settings_view"}

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="event_unique_dedupe_key")]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(state="pending"), name="event_pending_idx"),
            models.Index(fields=["store", "kind", "-occurred_at"], name="event_store_kind_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.dedupe_key}"
