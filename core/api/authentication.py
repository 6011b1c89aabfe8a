"""The API's authentication classes. Each one, on success, binds the user it found as the actor of
whatever the request records (core.context): DRF authenticates inside the view, after every middleware has
run, so the middleware alone would credit a token's writes to nobody."""

from rest_framework import authentication

from core import context


class BindsActor(authentication.BaseAuthentication):
    """Mixin for a DRF authentication class: the user it authenticates becomes the audit actor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            context.set_actor(result[0])
        return result


class SessionAuthentication(BindsActor, authentication.SessionAuthentication):
    """DRF session auth (CSRF enforced for writes), crediting the session's user."""


class TokenAuthentication(BindsActor, authentication.TokenAuthentication):
    """DRF token auth; a token is issued only from a session that passed the second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request._request.second_factor_via_token = True
            user = result[0]
            user.is_verified = lambda: True
        return result
