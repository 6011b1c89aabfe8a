"""Forms of the lifecycle pages: onboarding a colleague, leave, transfer, offboarding with the replacements."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import Department, Position
from stores.models import Store


def _field(form: forms.Form, name: str) -> Any:
    return form.fields[name]


REASON_HELP = _("Kept in the audit log with every change this makes.")


def reason_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=required,
        help_text=REASON_HELP,
        widget=forms.TextInput(attrs={"size": 60}),
    )


class OffboardForm(forms.Form):
    """The reason, and for each store the person owns its new primary and backup owner (the backup proposed as
    the new primary; a new backup must be chosen)."""

    reason = reason_field()

    def __init__(self, *args, owned=(), choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owned = list(owned)
        for o in self.owned:
            pk = o.store.pk
            self.fields[f"primary_{pk}"] = forms.ModelChoiceField(
                queryset=choices, label=_("New primary owner of %(store)s") % {"store": o.store.name}, required=True
            )
            self.fields[f"backup_{pk}"] = forms.ModelChoiceField(
                queryset=choices, label=_("New backup owner of %(store)s") % {"store": o.store.name}, required=True
            )
            if not self.is_bound:
                self.initial[f"primary_{pk}"] = o.primary_id
                self.initial[f"backup_{pk}"] = o.backup_id

    def store_rows(self):
        """(owned store, primary field, backup field) for the template."""
        return [(o, self[f"primary_{o.store.pk}"], self[f"backup_{o.store.pk}"]) for o in self.owned]

    def replacements(self) -> dict[int, tuple]:
        data: dict = self.cleaned_data or {}
        return {o.store.pk: (data.get(f"primary_{o.store.pk}"), data.get(f"backup_{o.store.pk}")) for o in self.owned}


class LeaveForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self):
        data: dict = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The leave must end on or after its first day."))
        return data


class OnboardForm(forms.Form):
    """A new colleague: who they are, where they work, and how they first sign in."""

    name = forms.CharField(label=_("Name"), max_length=100)
    username = forms.CharField(label=_("Username"), max_length=150)
    employee_id = forms.CharField(label=_("Employee ID"), max_length=32, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    wecom_userid = forms.CharField(label=_("WeCom userid"), max_length=64, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none(), required=False)
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"),
        queryset=Store.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The position's default roles are proposed on these stores."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to generate one, shown once. They must change it at their first sign-in."),
    )
    reason = reason_field()

    def __init__(self, *args, departments=None, positions=None, stores=None, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "department").queryset = departments if departments is not None else Department.objects.none()
        _field(self, "position").queryset = positions if positions is not None else Position.objects.none()
        _field(self, "stores").queryset = stores if stores is not None else Store.objects.none()


class RolePickForm(forms.Form):
    """Which of the proposed (role, store) pairs to apply: each a checkbox named "pick" with value
    "<role id>:<store id or 0>"."""

    pick = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    reason = reason_field()

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "pick").choices = [(key, key) for key in offered]


class TransferForm(forms.Form):
    department = forms.ModelChoiceField(label=_("New department"), queryset=Department.objects.none(), required=False)
    position = forms.ModelChoiceField(label=_("New position"), queryset=Position.objects.none(), required=False)

    def __init__(self, *args, departments=None, positions=None, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "department").queryset = departments if departments is not None else Department.objects.none()
        _field(self, "position").queryset = positions if positions is not None else Position.objects.none()
