"""Staff (the custom user model), departments and positions."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import RestrictedModel, RestrictedQuerySet, TimeStampedModel
from core.permissions import STORE_PERM_PREFIX, has_store_perm, store_limit
from core.uniqueness import ReadableUniqueErrors

from .choices import StaffStatus

mobile_validator = RegexValidator(
    r"^(\+?[1-9]\d{6,14}|1[3-9]\d{9})$",
    _("Enter a valid mobile number: 11 digits for mainland China (13800001111) or +country code and number."),
)
wecom_userid_validator = RegexValidator(
    r"^[A-Za-z0-9_.@-]{1,64}$",
    _("A WeCom userid has 1–64 letters, digits, or _ . @ -"),
)


class Department(ReadableUniqueErrors, TimeStampedModel):
    """A department (部门) with an optional manager; names are unique."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        "staff.Staff",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_departments",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("staff:department_detail", args=[self.pk])


class Position(ReadableUniqueErrors, TimeStampedModel):
    """A job title (岗位) within a department; proposes default roles for its holders."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="positions",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("staff:position_detail", args=[self.pk])


class StaffQuerySet(RestrictedQuerySet):
    def active(self):
        return self.filter(status=StaffStatus.ACTIVE, is_active=True)


class StaffManager(UserManager.from_queryset(StaffQuerySet)):
    pass


class Staff(ReadableUniqueErrors, RestrictedModel, AbstractUser):
    """A person who signs in (员工). Visible to those who may view users in a store the person works
    in now; super admins see everyone. Which stores a person works in is not this app's to say: the
    layers above register it with core (core.models.register_store_relation) — rbac a live role binding
    or exception grant there, stores ownership of it — so a person whose last binding on a store ended
    drops out of that store's view at once.
    """

    employee_id = models.CharField(_("employee ID"), max_length=32, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.ForeignKey(
        Position, verbose_name=_("position"), null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    mobile = models.CharField(
        _("mobile phone"),
        max_length=20,
        blank=True,
        validators=[mobile_validator],
        help_text=_("Used for WeCom @-mentions when no WeCom userid is set."),
    )
    wecom_userid = models.CharField(_("WeCom userid"), max_length=64, blank=True, validators=[wecom_userid_validator])
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    last_active = models.DateTimeField(_("last active"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=StaffStatus.choices, default=StaffStatus.ACTIVE)
    notes = models.TextField(_("notes"), blank=True)
    # Set when an admin creates the account or resets its password: the first sign-in asks for a new one.
    must_change_password = models.BooleanField(_("must change password at next sign-in"), default=False)

    store_lookups = ()  # stores are related by the relations higher layers register (see the docstring)
    # Whose value it is stays unsaid here: the form names the holder only to a viewer who may see them.
    unique_taken_message = _("%(field)s %(value)s is already used by another staff member.")
    permission_map = {"view": "users_view", "add": "users_manage", "change": "users_manage", "delete": "users_manage"}

    objects = StaffManager()

    REQUIRED_FIELDS = ["email", "name"]

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_id", "username"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["name"])]

    def __str__(self):
        return f"{self.name} ({self.employee_id})" if self.employee_id else (self.name or self.username)

    def get_absolute_url(self):
        return reverse("staff:staff_detail", args=[self.pk])

    def get_full_name(self):
        return self.name or self.username

    def get_short_name(self):
        return self.name or self.username

    def has_perm(self, perm, obj=None):
        """Store permissions are answered from the PermissionSet directly: the same answer as the
        project's auth backend gives, without Django's per-call dispatch over every backend."""
        # an API token limited to some stores holds even a superuser to them
        if self.is_active and self.is_superuser and store_limit(self) is None:
            return True
        if perm.startswith(STORE_PERM_PREFIX):
            return has_store_perm(self, perm, obj)
        return super().has_perm(perm, obj)

    @property
    def is_working(self) -> bool:
        return self.is_active and self.status == StaffStatus.ACTIVE


class ApiToken(models.Model):
    """A personal API token (Authorization: Token <secret>). Only the SHA-256 digest of the secret is kept, with
    its first characters (`prefix`) to recognise it; the secret is shown once, at issue. A token expires, may be
    limited to some of its owner's stores (empty: all of them) and to reading, and carries the step-up scope
    only when issued with it (core.stepup.StepUpScope). Revoked tokens stay listed as history (`revoked_at`).
    Written only through staff.token_services."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    stores = models.ManyToManyField(
        settings.SHOPCREW_STORE_MODEL, verbose_name=_("stores"), blank=True, related_name="+"
    )
    read_only = models.BooleanField(_("read only"), default=False)
    step_up = models.BooleanField(_("step-up scope"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    seen_addresses = models.JSONField(default=list, blank=True)
    expiry_recorded = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    # Set when the token authenticates a call: the ids of the stores it is limited to (None: all the owner's).
    store_ids: list[int] | None = None

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        default_permissions = ()
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class Leave(models.Model):
    """A period a person is away (休假): from `starts_on` to `ends_on` inclusive, in the company's calendar. While it
    runs, the backup owner of each store the person owns as primary takes that store's checklists, escalations and
    @-mentions (cover). Cancelling keeps the row, so the history shows it."""

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="leaves")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leaves")
        ordering = ["-starts_on"]
        default_permissions = ()
        indexes = [models.Index(fields=["ends_on", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="leave_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.staff} {self.starts_on}–{self.ends_on}"


class WeComSettings(models.Model):
    """The company's WeCom (企业微信) server API settings: one row (pk 1). The app secret reads the directory, signs
    people in and sends app messages; the contacts-sync (通讯录同步) secret creates and disables members. Secrets are
    encrypted at rest and never shown back."""

    corp_id = models.CharField(_("corp ID"), max_length=64, blank=True)
    agent_id = models.PositiveIntegerField(_("app agent ID"), null=True, blank=True)
    app_secret = EncryptedTextField(_("app secret"), blank=True)
    contacts_secret = EncryptedTextField(_("contacts sync secret"), blank=True)
    sign_in_enabled = models.BooleanField(_("sign in with WeCom"), default=False)
    sync_members = models.BooleanField(
        _("create and disable WeCom members"),
        default=False,
        help_text=_("Joining creates the WeCom member and leaving disables it, through the contacts sync secret."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeCom settings")
        verbose_name_plural = _("WeCom settings")
        default_permissions = ()

    def __str__(self):
        return self.corp_id or "WeCom"

    @classmethod
    def current(cls) -> "WeComSettings":
        """The settings row, or an unsaved blank one (reading never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def configured(self) -> bool:
        return bool(self.corp_id and self.agent_id and self.app_secret)
