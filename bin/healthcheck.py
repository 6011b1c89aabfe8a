"""The container healthcheck: GET a probe URL, exit 0 on HTTP 200, 1 otherwise (standard library only).

    python bin/healthcheck.py [URL]      (default http://127.0.0.1:8000/readyz)

It asks as an orchestrator does: plain HTTP to the container's own address, no public host name, no
X-Forwarded-Proto. The console answers /healthz and /readyz before its host check and HTTPS redirect
(core.views_health.HealthProbeMiddleware), so this passes under the production settings; tests/core/
test_health_production.py runs this very command against gunicorn with those settings.
"""

import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/readyz"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer, not something to follow
        return None


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"healthcheck: {url}: {type(exc).__name__}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: {url}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
