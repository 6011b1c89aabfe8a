"""Forms for staff, departments and positions: they parse and show errors; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import choose

from .choices import StaffStatus
from .choosers import DEPARTMENTS, STAFF
from .models import Department, Position, Staff
from .selectors import active_staff_choices, staff_can_set_password, staff_list
from .services import STAFF_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffForm(forms.ModelForm):
    """Profile and status of a staff member. On create a password (typed twice) is required; on edit
    super admins may set a new one, others see no password fields. "Offboarded" is offered only to keep
    an offboarded person so: offboarding is its own page (it revokes the person's rights first).
    """

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    password_confirm = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput())

    class Meta:
        model = Staff
        fields = STAFF_FIELDS
        widgets = {"hire_date": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["name"].required = True
        choose(self.fields["department"], DEPARTMENTS, scope="view", queryset=Department.objects.order_by("name"))
        self.fields["position"].queryset = Position.objects.select_related("department").order_by("name")
        if self.instance.status != StaffStatus.OFFBOARDED:
            status = self.fields["status"]
            status.choices = [(value, label) for value, label in status.choices if value != StaffStatus.OFFBOARDED]
            status.help_text = _(
                "To offboard someone, use “Offboard” on their staff page: it revokes their roles first."
            )
        if self.instance.pk:
            if staff_can_set_password(actor=viewer):
                self.fields["password"].required = False
                self.fields["password_confirm"].required = False
                self.fields["password"].label = _("New password")
                self.fields["password"].help_text = _("Leave empty to keep the current password.")
            else:
                del self.fields["password"]
                del self.fields["password_confirm"]

    def clean_employee_id(self):
        """A taken 工号 names its holder when the viewer may see them ("工号 E001 已被 张三 使用。");
        otherwise the model's own message says only that another staff member has it."""
        value = self.cleaned_data.get("employee_id") or None
        if value:
            holder = staff_list(viewer=self.viewer).exclude(pk=self.instance.pk).filter(employee_id=value).first()
            if holder is not None:
                raise forms.ValidationError(
                    _("%(field)s %(value)s is already used by %(name)s."),
                    code="unique",
                    params={"field": _("Employee ID"), "value": value, "name": holder.name or holder.username},
                )
        return value

    def clean(self):
        cleaned = super().clean()
        if "password" in self.fields and cleaned.get("password") != cleaned.get("password_confirm"):
            self.add_error("password_confirm", _("The two passwords differ."))
        return cleaned

    def service_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in STAFF_FIELDS}


class DepartmentForm(forms.ModelForm):
    """A department's name, manager (an active staff member) and description."""

    class Meta:
        model = Department
        fields = ["name", "manager", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        choices = active_staff_choices(viewer=viewer)
        if self.instance.manager_id:
            choices = choices | Staff.objects.filter(pk=self.instance.manager_id)
        choose(self.fields["manager"], STAFF, scope="active", queryset=choices.distinct().order_by("name"))


class PositionForm(forms.ModelForm):
    """A position's name, department and description."""

    class Meta:
        model = Position
        fields = ["name", "department", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        choose(self.fields["department"], DEPARTMENTS, scope="view", queryset=Department.objects.order_by("name"))
