"""Forms of the reports pages: the board's period and filters, the SKU cost upload, an exchange rate."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from stores.choices import Platform, Site

from .selectors import BoardFilters, today_for_board

PERIODS = [("today", _("Today")), ("7", _("Last 7 days")), ("30", _("Last 30 days")), ("custom", _("Custom"))]
MAX_DAYS = 366
DEFAULT_PERIOD = "7"


class BoardForm(forms.Form):
    """The board's query string: a period and the store filters (choices of groups and owners come from the
    viewer's stores)."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False, initial=DEFAULT_PERIOD)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    platform = forms.ChoiceField(label=_("Platform"), required=False)
    site = forms.ChoiceField(label=_("Site"), required=False)
    group = forms.TypedChoiceField(label=_("Store group"), required=False, coerce=int, empty_value=None)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, data=None, *args, groups=(), owners=(), **kwargs):
        if data is not None and not data.get("period"):
            data = data.copy()  # filtered without a period: the select shows the period the board uses
            data["period"] = DEFAULT_PERIOD
        super().__init__(data, *args, **kwargs)
        every = [("", _("All"))]
        choices: dict[str, list] = {
            "platform": every + list(Platform.choices),
            "site": every + list(Site.choices),
            "group": every + [(str(i), n) for i, n in groups],
            "owner": every + [(str(i), n) for i, n in owners],
        }
        for name, values in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = values

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if data.get("period") == "custom":
            if not start or not end:
                raise forms.ValidationError(_("A custom period needs both dates."))
            if start > end:
                raise forms.ValidationError(_("The period starts after it ends."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("A period is at most %(n)s days.") % {"n": MAX_DAYS})
        return data

    def filters(self) -> BoardFilters:
        """The chosen filters (the last 7 days by default, or when the form is invalid)."""
        data = self.cleaned_data if self.is_valid() else {}
        today = today_for_board()
        period = data.get("period") or DEFAULT_PERIOD
        if period == "custom":
            start, end = data["start"], data["end"]
        elif period == "today":
            start, end = today, today
        else:
            start, end = today - timedelta(days=int(period) - 1), today
        return BoardFilters(
            start=start,
            end=end,
            platform=data.get("platform") or "",
            site=data.get("site") or "",
            group=data.get("group"),
            owner=data.get("owner"),
        )


class SkuCostUploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    rate = forms.DecimalField(label=_("Rate"), max_digits=18, decimal_places=8, min_value=0)
