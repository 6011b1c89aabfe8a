"""Forms of the access reviews (权限复核): starting a campaign, keeping or revoking review items."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stores.models import Store

from .models import ReviewDecision


class ReviewStartForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"),
        queryset=Store.objects.order_by("name"),
        required=False,
        help_text=_("Leave empty to review every store."),
    )
    deadline = forms.DateTimeField(label=_("Deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    revoke_unreviewed = forms.BooleanField(label=_("Revoke what was not reviewed at the deadline"), required=False)


class ReviewDecideForm(forms.Form):
    items = forms.TypedMultipleChoiceField(label=_("Review items"), coerce=int)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(ReviewDecision.KEEP, _("Keep")), (ReviewDecision.REVOKE, _("Revoke"))]
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, item_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(i, i) for i in item_ids]
