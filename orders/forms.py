"""Forms of the orders pages: hand over, thresholds, a store's work settings. They parse; services decide."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AssignmentMode
from .models import StoreSettings
from .selectors import on_duty_choices


class HandOverForm(forms.Form):
    """The colleague to hand an order or case to (among those holding the right on its store)."""

    to = forms.ModelChoiceField(label=_("Hand over to"), queryset=None, empty_label=None)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = choices


class ThresholdForm(forms.Form):
    """One SKU's low-stock threshold; empty: the store's applies."""

    threshold = forms.IntegerField(label=_("Low-stock threshold"), min_value=0, max_value=10**9, required=False)


class StoreThresholdForm(forms.Form):
    threshold = forms.IntegerField(label=_("Store low-stock threshold"), min_value=0, max_value=10**9)


class WorkSettingsForm(forms.Form):
    """客服分单 of one store: claim or round-robin, who is on duty, the escalation margin in hours."""

    assignment_mode = forms.ChoiceField(label=_("Assignment"), choices=AssignmentMode.choices, widget=forms.RadioSelect)
    on_duty = forms.ModelMultipleChoiceField(
        label=_("On duty"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only colleagues who handle this store's orders or after-sales cases can be on duty."),
    )
    escalation_hours = forms.IntegerField(
        label=_("Escalation margin (hours)"),
        min_value=0,
        max_value=720,
        help_text=_(
            "A case not handled this long before it is due goes to the backup owner, then at its due time "
            "to the department manager."
        ),
    )

    def __init__(self, *args, store, **kwargs):
        row = StoreSettings.objects.filter(store=store).first()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("assignment_mode", row.assignment_mode if row else AssignmentMode.CLAIM)
        margin = row.escalation_margin if row else StoreSettings._meta.get_field("escalation_margin").get_default()
        initial.setdefault("escalation_hours", int(margin.total_seconds() // 3600))
        initial.setdefault("on_duty", list(row.on_duty.values_list("pk", flat=True)) if row else [])
        super().__init__(*args, **kwargs)
        self.fields["on_duty"].queryset = on_duty_choices(store=store)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "assignment_mode": data["assignment_mode"],
            "on_duty": list(data["on_duty"]),
            "escalation_margin": timedelta(hours=data["escalation_hours"]),
        }
