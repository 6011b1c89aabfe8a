"""The form that issues an API token: a name, a lifetime, optionally some stores, read-only, step-up scope."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core.choosers import chooser
from core.widgets import choose

from .token_services import default_days, max_days


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. the script or machine using it.")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1)
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for all the stores you work in; otherwise the token sees only these."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"), required=False, help_text=_("The token can read but cannot change anything.")
    )
    step_up = forms.BooleanField(
        label=_("Step-up scope"),
        required=False,
        help_text=_(
            "Allow high-risk actions (such as replacing a platform secret or a robot key) through the API. "
            "Leave off unless the program needs them."
        ),
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].validators.append(MaxValueValidator(max_days()))
        self.fields["days"].widget.attrs["max"] = max_days()
        self.fields["days"].initial = default_days()
        self.fields["days"].help_text = _("At most %(max)d days.") % {"max": max_days()}
        choose(self.fields["stores"], chooser("stores"), scope="view", viewer=viewer)
