"""Forms of the checklist pages: a template with its items (a formset: add, reorder by position, remove), ticking an
item with its evidence or note, and the period of the completion rates."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import defaults
from .models import ChecklistKind, ChecklistTemplate

FACT_CHOICES = [
    ("", _("None (ticked by hand)")),
    (defaults.FACT_LOW_STOCK, _("Low-stock SKUs")),
    (defaults.FACT_OVERDUE_CASES, _("Overdue after-sales cases")),
    (defaults.FACT_LATE_SHIPMENTS, _("Late shipments")),
    (defaults.FACT_PERMISSION_CHANGES, _("Today's permission changes")),
]


class TemplateForm(forms.ModelForm):
    # Not the model field: making this the default takes it from the template that had it (the service does),
    # where the model's one-default constraint would refuse it on the form.
    is_default = forms.BooleanField(label=_("Default for its kind"), required=False)

    class Meta:
        model = ChecklistTemplate
        fields = ["name", "kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["is_default"].initial = self.instance.is_default


class TemplateItemForm(forms.Form):
    position = forms.IntegerField(label=_("Order"), min_value=0, required=False)
    section = forms.CharField(label=_("Section"), max_length=60, required=False)
    title = forms.CharField(label=_("Item"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    evidence_required = forms.BooleanField(label=_("Evidence required"), required=False)
    fact = forms.ChoiceField(label=_("Fact the console checks"), choices=FACT_CHOICES, required=False)

    def clean(self):
        data = super().clean() or {}
        if not data.get("DELETE") and self.has_changed() and not data.get("title"):
            self.add_error("title", _("Give the item a title, or tick Remove."))
        return data


class BaseItemFormSet(forms.BaseFormSet):
    def items(self) -> list[dict]:
        """The items to keep, in the order of their position (then as listed)."""
        kept = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None) or {}
            if not data.get("title") or data.get("DELETE"):
                continue
            position = data.get("position")
            kept.append((position if position is not None else 10_000 + index, index, data))
        kept.sort(key=lambda row: (row[0], row[1]))
        return [
            {f: data.get(f) or ("" if f != "evidence_required" else False) for f in defaults_fields()}
            for _p, _i, data in kept
        ]


def defaults_fields() -> tuple[str, ...]:
    return ("section", "title", "note", "evidence_required", "fact")


ItemFormSet = forms.formset_factory(TemplateItemForm, formset=BaseItemFormSet, extra=3, can_delete=True)


def item_initial(template: ChecklistTemplate | None) -> list[dict]:
    if template is None:
        return []
    return [
        {"position": i, **{f: getattr(item, f) for f in defaults_fields()}}
        for i, item in enumerate(template.items.order_by("position", "pk"), start=1)
    ]


class TickForm(forms.Form):
    evidence = forms.CharField(
        label=_("Evidence or note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def period_data(query) -> dict:
    """The query string with the default period filled in (the last 30 days, daily checks), so the form shows it."""
    today = timezone.localdate()
    data = {"start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat(), "kind": ChecklistKind.DAILY}
    data.update({key: value for key, value in query.items() if key in data and value})
    return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=ChecklistKind.choices, required=False)

    def clean(self):
        data = super().clean() or {}
        today = timezone.localdate()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or data["end"] - timedelta(days=29)
        data["kind"] = data.get("kind") or ChecklistKind.DAILY
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        if (data["end"] - data["start"]).days > 366:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        return data
