"""Roles (角色), role bindings (授权), access requests (权限申请), exception grants, and the tables
django-guardian reads (direct foreign keys to Store).

Bindings are the single source of truth for who may do what where. Guardian's tables are derived
from them inside the same transaction (a group per role × store, one membership per live binding; a
per-role group holding global permissions for all-store bindings; one user-object-permission row per
exception grant), so guardian's own shortcuts agree with the hot path in rbac.permissions.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.models import RestrictedModel, RestrictedQuerySet
from core.permissions import ANY, permissions_of

# A pseudo-permission nobody holds on a store: only super admins (who hold everything) pass it.
SUPER_ADMIN_ONLY = "rbac_super_admin_only"

STORE_PERMISSION_CHOICES = {"content_type__app_label": "stores", "content_type__model": "store"}

USERS_PERMISSION_MAP = {"view": "users_view", "add": "users_manage", "change": "users_manage", "delete": "users_manage"}


def live_q(now=None, prefix: str = "") -> Q:
    """Not revoked and not expired at `now` (an expiry at exactly `now` has already ended)."""
    now = now or timezone.now()
    return Q(**{f"{prefix}revoked_at__isnull": True}) & (
        Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": now})
    )


class RoleQuerySet(models.QuerySet["Role"]):
    def restrict(self, viewer, action: str = "view") -> RoleQuerySet:
        """Roles are not store data: anyone who views staff somewhere sees them; only super admins change them."""
        return self if permissions_of(viewer).has_anywhere(Role.permission_for(action)) else self.none()


class Role(models.Model):
    """A named, editable set of store permissions (角色). Names are unique; built-in roles carry a
    stable `key`. The super admin role (总管理员) means every permission on every store and can only be
    bound to all stores. Editing a role changes what every holder may do at once (the process-wide
    role map is refreshed through a Redis version key, guardian's groups are resynced).
    """

    key = models.SlugField(
        _("key"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stable identifier of a built-in role."),
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    permissions = models.ManyToManyField(
        Permission,
        verbose_name=_("permissions"),
        blank=True,
        related_name="+",
        limit_choices_to=STORE_PERMISSION_CHOICES,
    )
    is_super_admin = models.BooleanField(_("super admin"), default=False, help_text=_("All stores, every permission."))
    # Whether granting it waits for a second person: by its permissions (the approval policy), always, or never
    # (a super-admin role always does).
    approval = models.CharField(
        _("second approver"),
        max_length=12,
        choices=[
            ("permissions", _("By its permissions")),
            ("always", _("Always waits")),
            ("never", _("Never waits")),
        ],
        default="permissions",
    )
    builtin = models.BooleanField(_("built-in"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    permission_map = {
        "view": "users_view",
        "add": SUPER_ADMIN_ONLY,
        "change": SUPER_ADMIN_ONLY,
        "delete": SUPER_ADMIN_ONLY,
    }

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["-is_super_admin", "-builtin", "name"]

    def __str__(self):
        return self.name

    @classmethod
    def permission_for(cls, action: str) -> str:
        return cls.permission_map.get(action, action)


class PositionRole(models.Model):
    """A default role proposed for holders of a position (岗位 → 角色)."""

    position = models.ForeignKey(
        "staff.Position", verbose_name=_("position"), on_delete=models.CASCADE, related_name="default_roles"
    )
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="position_links")

    class Meta:
        verbose_name = _("position default role")
        verbose_name_plural = _("position default roles")
        constraints = [models.UniqueConstraint(fields=["position", "role"], name="rbac_position_role_unique")]

    def __str__(self):
        return f"{self.position} → {self.role}"


class GrantQuerySet(RestrictedQuerySet):
    def live(self, now=None):
        return self.filter(live_q(now))

    def ended(self, now=None):
        return self.exclude(live_q(now))


class Grant(RestrictedModel):
    """What every grant records besides who gets what: who granted it and why, when it ends, the access
    request that approved it, and — once ended — who ended it, why, and whether expiry did. Rows are
    never deleted: revocation and expiry keep them as history. Scoped by store like everything else.
    """

    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("granted at"), default=timezone.now)
    request = models.ForeignKey(
        "rbac.AccessRequest",
        verbose_name=_("approved request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    revoked_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    revoke_reason = models.CharField(_("revocation reason"), max_length=500, blank=True)
    expired = models.BooleanField(_("ended by expiry"), default=False)

    store_lookups = ("store",)
    permission_map = USERS_PERMISSION_MAP

    objects = GrantQuerySet.as_manager()

    class Meta:
        abstract = True


class RoleBinding(Grant):
    """Staff × role × one store (or all stores when `store` is empty): the single source of truth.

    Live means not revoked and not expired; at most one live binding per (staff, role, store) — a
    partial unique constraint on unrevoked rows (the expiry sweep marks expired rows revoked, and a
    grant sweeps its own targets first). Revocation and expiry keep the row as history.
    """

    # staff_id is served by the live-unique and history indexes (both lead with it); the audit columns
    # below are rarely searched, so they carry no index of their own (fewer indexes: faster bulk writes).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="role_bindings",
        db_index=False,
    )
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="bindings")
    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_bindings",
        help_text=_("Empty means all stores."),
    )

    class Meta:
        verbose_name = _("role binding")
        verbose_name_plural = _("role bindings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "role", "store"],
                condition=Q(revoked_at__isnull=True),
                nulls_distinct=False,
                include=["expires_at"],
                name="rbac_binding_one_live",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(revoked_at__isnull=True, expires_at__isnull=False),
                name="rbac_binding_expiring",
            ),
            models.Index(fields=["staff", "-created_at"], name="rbac_binding_history"),
            # Lists newest first (the API's and the pages' default order) read the first page from here
            # instead of sorting every binding: 0.2 s → 0.05 s for 250,000 bindings.
            models.Index(fields=["-created_at", "-id"], name="rbac_binding_newest"),
            # Who works in these stores (staff visibility, the staff list's store filter): answered from
            # the index alone, live bindings only.
            models.Index(
                fields=["store", "staff"],
                include=["expires_at"],
                condition=Q(revoked_at__isnull=True),
                name="rbac_binding_store_live",
            ),
        ]

    def __str__(self):
        where = self.store if self.store_id else _("all stores")
        return f"{self.staff} · {self.role} · {where}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class RequestKind(models.TextChoices):
    ROLE = "role", _("Role")
    PERMISSION = "permission", _("Single permission")
    # Ending an administrator's binding (a super-admin binding, or an admin role on a store its holder owns)
    # needs the same second person as granting it, so one co-admin cannot lock the other out.
    REVOKE = "revoke", _("Revoke an administrator role")


class AccessRequestQuerySet(RestrictedQuerySet):
    def pending(self, now=None):
        return self.filter(status=RequestStatus.PENDING, expires_at__gt=now or timezone.now())


class AccessRequest(RestrictedModel):
    """A grant waiting for a second person's approval (权限申请): a role on a store (or all stores), or
    one permission on one store. `description` freezes what would change when it was made; approval
    is refused if the role has changed since. Requester and grantee can never approve; a pending
    request lapses at `expires_at` (settings.ACCESS_REQUEST_TTL after it was made).
    """

    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices, default=RequestKind.ROLE)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="access_requests_made",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("for"), on_delete=models.CASCADE, related_name="access_requests"
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.SET_NULL, related_name="access_requests"
    )
    permission = models.ForeignKey(
        Permission, verbose_name=_("permission"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_requests",
        help_text=_("Empty means all stores."),
    )
    # For a revocation request: the binding it ends when approved.
    binding = models.ForeignKey(
        "RoleBinding", verbose_name=_("binding"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    grant_expires_at = models.DateTimeField(_("grant expires at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    description = models.JSONField(_("what would change"), default=dict)
    batch = models.UUIDField(_("batch"), null=True, blank=True, db_index=True, default=None)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    expires_at = models.DateTimeField(_("decide by"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("decision reason"), max_length=500, blank=True)
    # The sole super admin approved their own request after a fresh second factor, because no second person
    # who could approve it existed (the security policy's fallback; announced to the security robot).
    approved_alone = models.BooleanField(_("approved alone"), default=False)

    store_lookups = ("store",)
    # "request": asking (for oneself) or cancelling needs only to work in some store
    permission_map = {**USERS_PERMISSION_MAP, "request": ANY}

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "staff", "role", "permission", "store"],
                condition=Q(status="pending"),
                nulls_distinct=False,
                name="rbac_request_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(kind="role", role__isnull=False, permission__isnull=True)
                | Q(kind="permission", role__isnull=True, permission__isnull=False, store__isnull=False)
                | Q(kind="revoke", role__isnull=False, permission__isnull=True, binding__isnull=False)
                | ~Q(status="pending"),
                name="rbac_request_kind_fields",
            ),
        ]
        indexes = [models.Index(fields=["status", "store"], name="rbac_request_status_store")]

    def __str__(self):
        what = self.description.get("what") or (self.role or self.permission or "")
        return f"{self.staff} · {what} · {self.description.get('store_name') or _('all stores')}"

    @staticmethod
    def new_batch() -> uuid.UUID:
        return uuid.uuid4()


class ExceptionGrant(Grant):
    """One permission on one store for one person, outside any role (an auditor's finance export, say),
    with an optional expiry; backed by a guardian user-object-permission row and merged into the
    hot path. Revocation and expiry keep the row as history.
    """

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="exception_grants",
    )
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), on_delete=models.CASCADE, related_name="exception_grants"
    )
    permission = models.ForeignKey(
        Permission,
        verbose_name=_("permission"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=STORE_PERMISSION_CHOICES,
    )

    class Meta:
        verbose_name = _("exception grant")
        verbose_name_plural = _("exception grants")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "store", "permission"],
                condition=Q(revoked_at__isnull=True),
                include=["expires_at"],
                name="rbac_exception_one_live",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(revoked_at__isnull=True, expires_at__isnull=False),
                name="rbac_exception_expiring",
            ),
        ]

    def __str__(self):
        return f"{self.staff} · {self.permission.codename} · {self.store}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RoleGroup(models.Model):
    """The django-guardian group of one role on one store (or, with no store, the role's all-store
    group holding its permissions as global permissions). Created on the first binding, resynced on
    every role edit; each live binding is one membership.
    """

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="groups")
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="rbac_role_group")

    class Meta:
        verbose_name = _("role group")
        verbose_name_plural = _("role groups")
        constraints = [
            models.UniqueConstraint(fields=["role", "store"], nulls_distinct=False, name="rbac_role_group_unique")
        ]

    def __str__(self):
        return self.group.name

    @staticmethod
    def name_for(role_id: int, store_id: int | None) -> str:
        return f"rbac:{role_id}:{store_id if store_id is not None else '*'}"


class StoreUserObjectPermission(UserObjectPermissionBase):
    """guardian's per-user object permission on a store, by direct foreign key (exception grants only)."""

    content_object = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="user_object_permissions")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("store user permission")
        verbose_name_plural = _("store user permissions")


class StoreGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's per-group object permission on a store, by direct foreign key (role × store groups).

    A derived index, rebuilt from roles and bindings: its foreign keys are enforced by Django (cascades
    included) rather than by database triggers, and only the indexes guardian's queries use are kept
    (the unique group/permission/store one and the store one), so a grant that creates 1,000 groups
    writes its 20,000 rows quickly.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, db_constraint=False, db_index=False)
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE, db_constraint=False, db_index=False)
    content_object = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, db_constraint=False, related_name="group_object_permissions"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("store group permission")
        verbose_name_plural = _("store group permissions")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReviewDecision(models.TextChoices):
    NONE = "", _("Not reviewed")
    KEEP = "keep", _("Keep")
    REVOKE = "revoke", _("Revoke")


class AccessReview(models.Model):
    """An access review campaign (权限复核): every live binding and exception grant in scope, snapshotted into
    items that their reviewers keep or revoke before the deadline."""

    name = models.CharField(_("name"), max_length=200)
    all_stores = models.BooleanField(_("all stores"), default=True)
    stores = models.ManyToManyField("stores.Store", verbose_name=_("stores"), blank=True, related_name="+")
    deadline = models.DateTimeField(_("deadline"))
    revoke_unreviewed = models.BooleanField(_("revoke what was not reviewed"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)

    class Meta:
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class ReviewItem(models.Model):
    """One binding or exception grant to keep or revoke, and who reviews it (never its grantee)."""

    review = models.ForeignKey(
        AccessReview, verbose_name=_("access review"), on_delete=models.CASCADE, related_name="items"
    )
    binding = models.ForeignKey(
        RoleBinding, verbose_name=_("role binding"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    exception = models.ForeignKey(
        ExceptionGrant,
        verbose_name=_("exception grant"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices, default="", blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["pk"]
        indexes = [models.Index(fields=["reviewer", "review"], name="rbac_reviewitem_reviewer")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(binding__isnull=False, exception__isnull=True)
                | models.Q(binding__isnull=True, exception__isnull=False),
                name="rbac_reviewitem_one_grant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.review_id}:{self.pk}"
