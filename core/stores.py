"""The store model, reached from the layers below `stores` the way Django reaches the user model.

`settings.SHOPCREW_STORE_MODEL` ("stores.Store") names it, as AUTH_USER_MODEL names the user model: a
lower layer (core, audit, staff) points a ForeignKey at the setting and asks `get_store_model()` for the
class at run time, so it never imports `stores` (DESIGN.md, "Parts and the direction of imports").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .models import RestrictedModel

DEFAULT_STORE_MODEL = "stores.Store"


def store_model_label() -> str:
    """The "app_label.ModelName" of the store model (the setting, or stores.Store when unset)."""
    return getattr(settings, "SHOPCREW_STORE_MODEL", DEFAULT_STORE_MODEL)


def get_store_model() -> type[RestrictedModel]:
    """The store model class; ImproperlyConfigured when the setting is malformed or names no installed model."""
    label = store_model_label()
    try:
        return cast("type[RestrictedModel]", apps.get_model(label, require_ready=False))
    except ValueError as exc:
        raise ImproperlyConfigured("SHOPCREW_STORE_MODEL must be of the form 'app_label.model_name'") from exc
    except LookupError as exc:
        raise ImproperlyConfigured(
            f"SHOPCREW_STORE_MODEL refers to model '{label}' that has not been installed"
        ) from exc
