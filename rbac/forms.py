"""Forms of the rbac pages: they parse input and show errors; rbac.services decides and writes.

Every choice is scoped to the viewer: a store or person out of their reach is "not a valid choice",
exactly like one that does not exist. Roles are offered whole (roles are not store data); whether the
viewer may grant one where they asked is the service's answer, shown as an error in their language.
"""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.permissions import ANY, permissions_of
from core.widgets import choose
from staff.choosers import STAFF
from stores.catalogue import BY_CODENAME, PERMISSIONS
from stores.choices import Platform, Site
from stores.choosers import STORES
from stores.selectors import storegroup_choices

from .models import Role
from .selectors import grantable_staff, grantable_stores, stores_with_perm_for

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
REASON_HELP = _("Why; kept in the audit log.")


def _reason_field(required: bool = True):
    return forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=required,
        help_text=REASON_HELP,
        widget=forms.TextInput(attrs={"size": 60}),
    )


def _expiry_field():
    return forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=DATETIME_INPUT,
        help_text=_("Optional. The grant ends by itself at this time."),
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def _roles():
    return Role.objects.order_by("-is_super_admin", "-builtin", "name")


class RoleForm(forms.Form):
    """A role's name, description and permissions (the catalogue as checkboxes, grouped by module)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        required=False,
        choices=[(p.codename, p.label) for p in PERMISSIONS],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, role=None, **kwargs):
        self.role = role
        if role is not None and "initial" not in kwargs:
            codes = sorted(BY_CODENAME) if role.is_super_admin else [p.codename for p in role.permissions.all()]
            kwargs["initial"] = {"name": role.name, "description": role.description, "permissions": codes}
        super().__init__(*args, **kwargs)
        if role is not None and role.is_super_admin:
            self.fields["permissions"].disabled = True

    def service_data(self) -> dict:
        data = {"name": self.cleaned_data["name"], "description": self.cleaned_data["description"]}
        if not self.fields["permissions"].disabled:
            data["permissions"] = self.cleaned_data["permissions"]
        return data


class RoleDeleteForm(forms.Form):
    reason = _reason_field(required=False)


class PositionRolesForm(forms.Form):
    """The default roles a position proposes."""

    roles = forms.ModelMultipleChoiceField(
        label=_("Default roles"), queryset=Role.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = _roles()


class GrantForm(forms.Form):
    """One role to one person on one store, or (super admins only, ticked explicitly: never the default) on all
    stores."""

    staff = StaffChoiceField(label=_("Staff member"), queryset=None)
    role = forms.ModelChoiceField(label=_("Role"), queryset=None)
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False)
    all_stores = forms.BooleanField(label=_("All stores (one all-store binding)"), required=False)
    reason = _reason_field()
    expires_at = _expiry_field()

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.super_admin = permissions_of(viewer).super_admin
        choose(
            self.fields["staff"], STAFF, scope="active", queryset=grantable_staff(viewer=viewer).order_by("name", "pk")
        )
        self.fields["role"].queryset = _roles()
        store = self.fields["store"]
        choose(store, STORES, scope="users_manage", queryset=grantable_stores(viewer=viewer).order_by(*STORES.ordering))
        if not self.super_admin:
            store.required = True
            del self.fields["all_stores"]

    def clean(self):
        cleaned = super().clean()
        if "all_stores" not in self.fields or self.errors.get("store"):
            return cleaned
        if cleaned.get("all_stores") and cleaned.get("store"):
            self.add_error("store", _("Choose one store, or tick “All stores” — not both."))
        elif not cleaned.get("all_stores") and not cleaned.get("store"):
            self.add_error("store", _("Choose a store, or tick “All stores” for a binding on every store."))
        return cleaned


class ExceptionGrantForm(forms.Form):
    """One permission on one store outside any role (an auditor's finance export, say)."""

    staff = StaffChoiceField(label=_("Staff member"), queryset=None)
    store = forms.ModelChoiceField(label=_("Store"), queryset=None)
    permission = forms.ChoiceField(label=_("Permission"))
    reason = _reason_field()
    expires_at = _expiry_field()

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        choose(
            self.fields["staff"], STAFF, scope="active", queryset=grantable_staff(viewer=viewer).order_by("name", "pk")
        )
        choose(
            self.fields["store"],
            STORES,
            scope="users_manage",
            queryset=grantable_stores(viewer=viewer).order_by(*STORES.ordering),
        )
        self.fields["permission"].choices = [("", "---------")] + [
            (p.codename, format_lazy("{} · {}", p.label, _("High risk")) if p.high_risk else p.label)
            for p in PERMISSIONS
        ]


class BulkGrantStoresForm(forms.Form):
    """One role to one person on many stores (or on all stores, super admins only)."""

    staff = StaffChoiceField(label=_("Staff member"), queryset=None)
    role = forms.ModelChoiceField(label=_("Role"), queryset=None)
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    # Stores picked as a group: a store group, a platform or a site (these narrow each other), among the stores
    # the granter may grant on — added to the stores chosen one by one.
    store_group = forms.ModelChoiceField(
        label=_("Stores of a store group"), queryset=None, required=False, empty_label=_("None")
    )
    platform = forms.ChoiceField(label=_("Stores of a platform"), required=False)
    site = forms.ChoiceField(label=_("Stores of a site"), required=False)
    all_stores = forms.BooleanField(label=_("All stores (one all-store binding)"), required=False)
    reason = _reason_field()
    expires_at = _expiry_field()

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        choose(
            self.fields["staff"], STAFF, scope="active", queryset=grantable_staff(viewer=viewer).order_by("name", "pk")
        )
        self.fields["role"].queryset = _roles()
        self.grantable = grantable_stores(viewer=viewer).order_by(*STORES.ordering)
        choose(self.fields["stores"], STORES, scope="users_manage", queryset=self.grantable)
        # Only what the granter's own stores have: no platform, site or group name of other stores is shown.
        mine = set(self.grantable.order_by().values_list("platform", "site").distinct())
        self.fields["store_group"].queryset = storegroup_choices().filter(stores__in=self.grantable).distinct()
        self.fields["platform"].choices = [("", _("None"))] + [
            c for c in Platform.choices if c[0] in {p for p, _s in mine}
        ]
        self.fields["site"].choices = [("", _("None"))] + [c for c in Site.choices if c[0] in {s for _p, s in mine}]
        if not permissions_of(viewer).super_admin:
            del self.fields["all_stores"]

    def _grouped(self, cleaned) -> list:
        """The grantable stores of the chosen group / platform / site (none chosen: none)."""
        narrowing = {
            key: value
            for key, value in (
                ("groups", cleaned.get("store_group")),
                ("platform", cleaned.get("platform")),
                ("site", cleaned.get("site")),
            )
            if value
        }
        return list(self.grantable.filter(**narrowing)) if narrowing else []

    def clean(self):
        cleaned = super().clean()
        grouped = self._grouped(cleaned)
        if (cleaned.get("store_group") or cleaned.get("platform") or cleaned.get("site")) and not grouped:
            self.add_error("store_group", _("No store you may grant on matches this group, platform and site."))
        chosen = list(cleaned.get("stores") or [])
        cleaned["stores"] = chosen + [s for s in grouped if s not in chosen]
        if not cleaned["stores"] and not cleaned.get("all_stores") and not self.errors:
            self.add_error("stores", _("Choose at least one store."))
        return cleaned

    def targets(self) -> dict:
        stores = [None] if self.cleaned_data.get("all_stores") else list(self.cleaned_data["stores"])
        return {"role": self.cleaned_data["role"], "staff": [self.cleaned_data["staff"]], "stores": stores}


class BulkGrantStaffForm(forms.Form):
    """One role on one store to many people."""

    store = forms.ModelChoiceField(label=_("Store"), queryset=None)
    role = forms.ModelChoiceField(label=_("Role"), queryset=None)
    staff = forms.ModelMultipleChoiceField(label=_("Staff"), queryset=None, widget=forms.CheckboxSelectMultiple)
    reason = _reason_field()
    expires_at = _expiry_field()

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        choose(
            self.fields["store"],
            STORES,
            scope="users_manage",
            queryset=grantable_stores(viewer=viewer).order_by(*STORES.ordering),
        )
        self.fields["role"].queryset = _roles()
        choose(
            self.fields["staff"], STAFF, scope="active", queryset=grantable_staff(viewer=viewer).order_by("name", "pk")
        )

    def targets(self) -> dict:
        return {
            "role": self.cleaned_data["role"],
            "staff": list(self.cleaned_data["staff"]),
            "stores": [self.cleaned_data["store"]],
        }


class BulkRevokeForm(forms.Form):
    """Which live bindings to end: one person's and/or one store's, optionally of one role."""

    staff = StaffChoiceField(label=_("Staff member"), queryset=None, required=False)
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False)
    role = forms.ModelChoiceField(label=_("Role"), queryset=None, required=False)
    reason = _reason_field()

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        choose(self.fields["staff"], STAFF, scope="view", viewer=viewer)
        choose(
            self.fields["store"],
            STORES,
            scope="users_manage",
            queryset=grantable_stores(viewer=viewer).order_by(*STORES.ordering),
        )
        self.fields["role"].queryset = _roles()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("staff") and not cleaned.get("store"):
            raise forms.ValidationError(_("Choose a staff member, a store, or both."))
        return cleaned


class RevokeForm(forms.Form):
    reason = _reason_field()


class OffboardForm(forms.Form):
    reason = _reason_field()


class DecisionForm(forms.Form):
    reason = _reason_field()


class OptionalReasonForm(forms.Form):
    reason = _reason_field(required=False)


class WhyForm(forms.Form):
    """Who, what, where — each choice within the viewer's reach (users_view)."""

    staff = StaffChoiceField(label=_("Staff member"), queryset=None)
    permission = forms.ChoiceField(label=_("Permission"))
    store = forms.ModelChoiceField(label=_("Store"), queryset=None)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        choose(self.fields["staff"], STAFF, scope="view", viewer=viewer)
        choose(
            self.fields["store"],
            STORES,
            scope="users_view",
            queryset=stores_with_perm_for(viewer=viewer, perm="users_view"),
        )
        self.fields["permission"].choices = [(p.codename, f"{p.label} ({p.codename})") for p in PERMISSIONS]


class AccessRequestForm(forms.Form):
    """Ask for a role on a store one works in (or on all stores), or for one permission on one store."""

    role = forms.ModelChoiceField(label=_("Role"), queryset=None, required=False)
    permission = forms.ChoiceField(label=_("Or a single permission"), required=False)
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False, empty_label=_("All stores"))
    reason = _reason_field()
    expires_at = _expiry_field()

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = _roles()
        self.fields["permission"].choices = [("", "---------")] + [(p.codename, p.label) for p in PERMISSIONS]
        choose(self.fields["store"], STORES, scope="view", queryset=stores_with_perm_for(viewer=viewer, perm=ANY))

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("role")) == bool(cleaned.get("permission")):
            raise forms.ValidationError(_("Ask for either a role or a single permission."))
        return cleaned


class ApprovalPolicyForm(forms.Form):
    """Which permissions make a grant wait for a second person, and each role's rule."""

    permissions = forms.MultipleChoiceField(
        label=_("Permissions whose grant waits for a second person"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, roles, initial_codes, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["permissions"]
        field.choices = [(p.codename, f"{p.label}{' ★' if p.high_risk else ''}") for p in PERMISSIONS]
        field.initial = sorted(initial_codes)
        field.help_text = _("★ marks the catalogue's high-risk permissions (the default).")
        self.roles = list(roles)
        for role in self.roles:
            choices = (
                [("always", _("Always waits"))] if role.is_super_admin else Role._meta.get_field("approval").choices
            )
            self.fields[f"role_{role.pk}"] = forms.ChoiceField(
                label=role.name, choices=choices, initial="always" if role.is_super_admin else role.approval
            )

    def role_modes(self) -> dict[int, str]:
        return {role.pk: self.cleaned_data[f"role_{role.pk}"] for role in self.roles}
