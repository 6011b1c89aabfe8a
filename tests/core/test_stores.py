"""core.stores: the layers below `stores` reach the store model through a setting, as Django reaches the user
model through AUTH_USER_MODEL."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from audit.models import AuditEvent
from core.stores import get_store_model
from stores.models import Store


def test_the_store_model_is_the_one_the_setting_names():
    assert get_store_model() is Store
    assert AuditEvent._meta.get_field("store").related_model is Store


@pytest.mark.parametrize(("label", "says"), [("Store", "of the form"), ("stores.Shop", "not been installed")])
def test_a_wrong_setting_stops_with_a_clear_message(settings, label, says):
    settings.SHOPCREW_STORE_MODEL = label
    with pytest.raises(ImproperlyConfigured, match=says):
        get_store_model()
