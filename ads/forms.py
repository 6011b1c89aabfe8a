from django import forms

from .models import AdsStore

FIELDS = ["spike_ratio", "spike_min_spend", "budget_share", "roas_drop"]


class AdsAlertForm(forms.ModelForm):
    """A store's ads alert thresholds (ads_operate on the store)."""

    class Meta:
        model = AdsStore
        fields = FIELDS
