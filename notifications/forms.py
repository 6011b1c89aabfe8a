"""The group robot form: it parses and shows errors; notifications.services writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.crypto import SecretFormField
from core.widgets import choose
from staff.choosers import DEPARTMENTS

from .choosers import STORES
from .models import Robot
from .selectors import robot_can_be_company_wide, robot_store_choices

FIELDS = ["name", "store", "department", "is_active"]


class RobotForm(forms.ModelForm):
    """A robot's name, store, department, state and webhook key. The key is write-only: required for a
    new robot, left empty on an edit to keep the saved one, never rendered back. Store choices are the
    stores whose settings the viewer manages; only those who manage every store may leave it empty.
    """

    webhook_key = SecretFormField(
        label=_("Webhook key"),
        max_length=200,
        required=False,
        help_text=_(
            "The key=… part of the robot's webhook address (群机器人 → 添加机器人 → Webhook). Stored "
            "encrypted and shown afterwards only as its last 4 characters."
        ),
    )

    class Meta:
        model = Robot
        fields = FIELDS

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        store = self.fields["store"]
        store.required = not robot_can_be_company_wide(viewer=viewer)
        choose(
            store, STORES, scope="robot", queryset=robot_store_choices(viewer=viewer, include=self.instance.store_id)
        )
        store.empty_label = _("No store (a company-wide group)") if not store.required else "---------"
        department = self.fields["department"]
        choose(department, DEPARTMENTS, scope="view", queryset=department.queryset.order_by("name"))
        self.fields["webhook_key"].required = creating
        if not creating:
            self.fields["webhook_key"].help_text = _("Leave empty to keep the saved key.")

    def _post_clean(self):
        """The form checks its own fields only; the robot's rules (name pattern, unique name, who may file
        it where) are checked once, by notifications.services, whose errors go back on these fields."""

    def clean_webhook_key(self):
        key = self.cleaned_data.get("webhook_key", "")
        # People paste the whole webhook address; keep only the key.
        if "key=" in key:
            key = key.split("key=", 1)[1].split("&", 1)[0]
        return key.strip()

    def service_data(self) -> dict:
        return {
            **{field: self.cleaned_data[field] for field in FIELDS},
            "webhook_key": self.cleaned_data["webhook_key"],
        }
