"""Forms of the store connection pages: they parse input; stores.authorization writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.crypto import SecretFormField

from .models import ShopeeEnvironment


class OzonKeysForm(forms.Form):
    """An Ozon store's Seller API keys. The Api-Key field never shows a saved key back."""

    client_id = forms.IntegerField(
        label=_("Client-Id"),
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The number shown next to the key in Ozon's seller cabinet."),
    )
    api_key = SecretFormField(
        label=_("Api-Key"),
        max_length=200,
        help_text=_(
            "Settings → Seller API in Ozon's seller cabinet. It is checked with one "
            "call to Ozon, then stored encrypted and shown only as its last 4 "
            "characters."
        ),
    )


class OzonPerformanceKeysForm(forms.Form):
    """An Ozon store's Performance API keys (ads). The secret field never shows a saved secret back."""

    client_id = forms.RegexField(
        label=_("Performance client ID"),
        max_length=200,
        regex=r"^\S+@advertising\.performance\.ozon\.ru$",
        error_messages={"invalid": _("A Performance client ID ends in @advertising.performance.ozon.ru.")},
        help_text=_("Ozon Performance cabinet → Settings → API access: the client ID of the store's key."),
    )
    client_secret = SecretFormField(
        label=_("Performance client secret"),
        max_length=200,
        help_text=_(
            "It is checked by fetching a token from Ozon Performance, then stored encrypted and shown only as its "
            "last 4 characters."
        ),
    )


class ShopeeAppForm(forms.Form):
    """A Shopee Open Platform app. The partner key is required for a new app; left empty on an edit, the
    saved key stays (it is never shown again)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    partner_id = forms.IntegerField(label=_("Partner ID"), min_value=1, max_value=4294967295)
    partner_key = SecretFormField(
        label=_("Partner key"),
        max_length=200,
        required=False,
        help_text=_(
            "From the app's page on Shopee Open Platform. Stored encrypted and shown only as its last 4 characters."
        ),
    )
    environment = forms.ChoiceField(label=_("Environment"), choices=ShopeeEnvironment.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_key"].required = creating
        if not creating:
            self.fields["partner_key"].help_text = _("Leave empty to keep the saved key.")
