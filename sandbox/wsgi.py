"""A WSGI application for the simulators alone: no middleware (no sessions, auth, CSRF, 2FA gate, database)."""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler

URLCONF = "sandbox.root_urls"


class SandboxHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware chain and the sandbox's own urlconf."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def get_response(self, request):
        request.urlconf = URLCONF
        return super().get_response(request)


def get_application() -> SandboxHandler:
    import django

    django.setup(set_prefix=False)
    return SandboxHandler()
