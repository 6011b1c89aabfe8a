"""The API's authentication classes. Each one, on success, binds the user it found as the actor of
whatever the request records (core.context): DRF authenticates inside the view, after every middleware has
run, so the middleware alone would credit a token's writes to nobody."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from core import context
from core.permissions import limit_to_stores


class BindsActor(authentication.BaseAuthentication):
    """Mixin for a DRF authentication class: the user it authenticates becomes the audit actor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            context.set_actor(result[0])
        return result


class SessionAuthentication(BindsActor, authentication.SessionAuthentication):
    """DRF session auth (CSRF enforced for writes), crediting the session's user."""


class TokenRefused(exceptions.AuthenticationFailed):
    """An API token that is unknown, revoked or expired; the message says which, in the caller's language."""


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This API token is read-only: it cannot change anything.")
    default_code = "read_only_token"


@cache
def _authenticator():
    return import_string(settings.SHOPCREW_TOKEN_AUTHENTICATOR)


class TokenAuthentication(BindsActor, authentication.TokenAuthentication):
    """`Authorization: Token <secret>`. The layer that owns tokens recognises the secret
    (settings.SHOPCREW_TOKEN_AUTHENTICATOR: `(key=, ip=) -> (user, token)`, raising TokenRefused); its
    restrictions then bind here, for every API call: a token limited to some stores narrows the caller's
    PermissionSet to them (so every restricted queryset and gate sees only those), and a read-only token is
    refused any unsafe method. A token counts as a passed second factor (it was issued from such a session)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if token.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyToken()
        if token.store_ids is not None:
            limit_to_stores(user, token.store_ids)
        request._request.second_factor_via_token = True
        user.is_verified = lambda: True
        return result

    def authenticate_credentials(self, key):
        return _authenticator()(key=key, ip=context.current().ip)
