"""Checklists (SOP 清单): editable templates and the checklists made from them — the daily store check, onboarding,
offboarding handover and transfer — with items ticked by whom and when; and spreadsheet import jobs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class ChecklistKind(models.TextChoices):
    DAILY = "daily", _("Daily store check")
    ONBOARDING = "onboarding", _("Onboarding")
    OFFBOARDING = "offboarding", _("Offboarding handover")
    TRANSFER = "transfer", _("Transfer")
    CUSTOM = "custom", _("Other")


class ChecklistTemplate(TimeStampedModel):
    """An editable list of items a checklist of its kind starts from. One template per kind is the default."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ChecklistKind.choices)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("default for its kind"), default=False)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(is_default=True), name="sop_one_default_per_kind"
            )
        ]

    def __str__(self):
        return self.name


class TemplateItem(models.Model):
    """One item of a template. `fact` names a fact the console can judge (e.g. "low_stock"), prefilled when the
    checklist is made; `evidence_required` asks the person ticking it for a note or link."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"), default=0)
    section = models.CharField(_("section"), max_length=60, blank=True)
    title = models.CharField(_("item"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    fact = models.CharField(_("fact the console checks"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["template", "position", "pk"]
        default_permissions = ()

    def __str__(self):
        return self.title


class Checklist(models.Model):
    """A checklist to work through: a store's daily check (one per store and day), a person's onboarding, their
    offboarding handover, a transfer. `subject` is the person it is about; `assignee` who must complete it."""

    kind = models.CharField(_("kind"), max_length=16, choices=ChecklistKind.choices)
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklists",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklists_about",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checklists_assigned",
    )
    for_date = models.DateField(_("date"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["-for_date", "-created_at"]
        indexes = [
            models.Index(fields=["assignee", "completed_at"]),
            models.Index(fields=["store", "kind", "for_date"]),
            models.Index(fields=["kind", "completed_at", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "for_date"], condition=models.Q(kind="daily"), name="sop_one_daily_check_per_store_day"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("sop:checklist_detail", args=[self.pk])


class ChecklistItem(models.Model):
    """One item of a checklist: copied from the template when the checklist is made (later template edits leave it
    alone). `facts` holds what the console found for a `fact` item; `data` structured detail of generated items
    (a platform permission sheet, a case and who takes it over); `store` the store a per-store item is about."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"), default=0)
    section = models.CharField(_("section"), max_length=60, blank=True)
    title = models.CharField(_("item"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    fact = models.CharField(_("fact the console checks"), max_length=40, blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    automatic = models.BooleanField(_("done by the console"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    evidence = models.TextField(_("evidence or note"), blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "position", "pk"]
        default_permissions = ()

    def __str__(self):
        return self.title

    @property
    def done(self) -> bool:
        return self.done_at is not None


class ImportKind(models.TextChoices):
    STAFF = "staff", _("员工信息表 (staff sheet)")
    STORES = "stores", _("店铺分工表 (store duties sheet)")
    MATRIX = "matrix", _("权限矩阵 (people × stores)")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Checked, waiting to apply")
    INVALID = "invalid", _("Refused")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """A spreadsheet import: validated row by row into `preview` / `errors`, then applied all or nothing (in the
    worker when long) with `done_rows` as progress."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField()
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    preview = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        default_permissions = ()

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename}"
