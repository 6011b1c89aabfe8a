"""The group robot form: it parses and shows errors; notifications.services writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.crypto import SecretFormField
from core.widgets import choose
from events.choices import EventKind
from staff.choosers import DEPARTMENTS
from stores.catalogue import PERMISSIONS, label_of
from stores.choices import Platform, Site
from stores.selectors import storegroup_choices

from .choosers import STORES
from .models import MessageFormat, Robot, Route
from .selectors import robot_can_be_company_wide, robot_list, robot_store_choices
from .services import ROUTE_FIELDS

FIELDS = ["name", "store", "department", "is_active"]
ROUTE_FORM_FIELDS = list(ROUTE_FIELDS)  # what the route services accept, in their order


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


class RouteForm(forms.ModelForm):
    """A route: event kinds × stores → robot, quiet hours (in each store's time zone) and mentions.

    Stores: one store the viewer manages, or — for those who manage every store — every store of a platform,
    a site or a store group (these narrow each other), or every store when all are left empty."""

    event_kinds = forms.MultipleChoiceField(
        label=_("Event kinds"), choices=EventKind.choices, widget=forms.CheckboxSelectMultiple
    )
    platform = forms.ChoiceField(label=_("Platform"), required=False, choices=[("", _("Any"))] + Platform.choices)
    site = forms.ChoiceField(label=_("Site"), required=False, choices=[("", _("Any"))] + Site.choices)
    mention_permission = forms.ChoiceField(
        label=_("Mention holders of permission"),
        required=False,
        help_text=_("For example after-sales operators for after-sales messages: those who hold it on the store."),
    )

    class Meta:
        model = Route
        fields = ROUTE_FORM_FIELDS
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_start": _(
                "In each store's own time zone. Messages due in quiet hours are held and sent, "
                "summarized, when they end."
            ),
            "mention_assignee": _("The colleague the order or case went to; for an access request, its approvers."),
        }

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        company = robot_can_be_company_wide(viewer=viewer)
        robots = robot_list(viewer=viewer, action="change")
        if self.instance.robot_id:
            robots = robots | Robot.objects.filter(pk=self.instance.robot_id)
        self.fields["robot"].queryset = robots.select_related(None).order_by("name", "pk")
        store = self.fields["store"]
        store.required = not company
        choose(store, STORES, scope="settings_manage", viewer=viewer)
        store.empty_label = _("Several stores (by platform, site or group below)") if company else "---------"
        self.fields["store_group"].queryset = storegroup_choices()
        if not company:
            for name in ("platform", "site", "store_group"):
                del self.fields[name]
        self.fields["mention_permission"].choices = [("", _("Nobody"))] + [
            (p.codename, f"{label_of(p.codename)} ({p.codename})") for p in PERMISSIONS
        ]

    def _post_clean(self):
        """The route's rules (which stores, who may route them, quiet hours) are notifications.services'."""

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in ROUTE_FORM_FIELDS if name in self.fields}
        data["event_kinds"] = list(self.cleaned_data["event_kinds"])
        return data


class TemplateForm(forms.Form):
    """One event kind's message: text or markdown, with {placeholders}."""

    msgtype = forms.ChoiceField(label=_("Format"), choices=MessageFormat.choices)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6, "data-template-body": "1"}),
        strip=False,
        help_text=_("Write {placeholder} where a value goes, {{ and }} for a literal brace."),
    )

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
