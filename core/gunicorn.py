"""gunicorn's logger with secrets redacted (`--logger-class core.gunicorn.RedactingLogger`, as the Dockerfile and
docker-compose.yml start the web service).

gunicorn writes its access log itself, outside Django's LOGGING: the request line, path, query string and
referer of every access line go through core.logging.redact (a robot key in `?key=` or in a path, an access
token …), credential headers are never printed, and the error log gets core.logging's filter.
"""

from __future__ import annotations

from gunicorn import glogging

from .logging import MASK, RedactSecretsFilter, redact

CREDENTIAL_HEADERS = ("{authorization}i", "{cookie}i", "{api-key}i", "{set-cookie}o", "{http_authorization}e")


class RedactingLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.addFilter(RedactSecretsFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        cleaned = {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
        for name in CREDENTIAL_HEADERS:
            if name in cleaned:
                cleaned[name] = MASK
        return cleaned
