from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF token auth; a token is issued only from a session that passed the second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request._request.second_factor_via_token = True
            user = result[0]
            user.is_verified = lambda: True
        return result
