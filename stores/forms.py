"""The store form: it parses and shows errors; stores.services writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import choose

from .choosers import STAFF, STORES
from .models import Store, StoreGroup
from .selectors import active_owner_choices
from .services import STORE_FIELDS, shop_id_error


class StoreForm(forms.ModelForm):
    """A store's profile (the 店铺分工表 row). Owner choices: active staff the viewer may see, plus the
    store's current owners; the time zone left empty follows the site.
    """

    class Meta:
        model = Store
        fields = STORE_FIELDS
        widgets = {"duties_note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        current = [self.instance.primary_owner_id, self.instance.backup_owner_id] if self.instance.pk else []
        owners = active_owner_choices(viewer=viewer, include=current)
        choose(self.fields["primary_owner"], STAFF, scope="active_owner", queryset=owners)
        choose(self.fields["backup_owner"], STAFF, scope="active_owner", queryset=owners)
        self.fields["timezone"].choices = [("", _("The site's time zone"))] + [
            choice for choice in self.fields["timezone"].choices if choice[0]
        ]

    def _post_clean(self):
        """The form checks its own fields and, with them, the platform + shop ID uniqueness (so a taken
        shop ID shows on its field on the first submit, beside every other error); the store's other rules
        (owners, site) are checked by stores.services, whose errors the view puts back on these fields.
        (The model's clean() would also refuse an unchanged owner who is on leave, which the service allows.)"""
        platform, shop_id = self.cleaned_data.get("platform"), self.cleaned_data.get("shop_id")
        taken = shop_id_error(platform=platform, shop_id=shop_id, store_pk=self.instance.pk)
        if taken is not None and "shop_id" not in self.errors:
            self.add_error("shop_id", taken)

    def service_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in STORE_FIELDS}


class StoreGroupForm(forms.ModelForm):
    """A store group: its name, description and stores (searched, among the stores the viewer manages)."""

    class Meta:
        model = StoreGroup
        fields = ["name", "description", "stores"]

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stores"].help_text = _("Type a store's name or shop ID to add it.")
        choose(self.fields["stores"], STORES, scope="settings_manage", viewer=viewer)

    def _post_clean(self):
        """The name's uniqueness and who may change groups are the service's to check (errors come back here)."""

    def service_data(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "description": self.cleaned_data["description"],
            "stores": list(self.cleaned_data["stores"]),
        }
