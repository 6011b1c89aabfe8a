"""Small HTTP helpers shared by the three simulators and the control API."""

import hashlib
import json
import secrets
import time

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse

SECRET_QUERY_KEYS = {"access_token", "sign", "code", "key"}
SECRET_BODY_KEYS = {"access_token", "refresh_token", "code", "partner_key", "api_key"}
SECRET_HEADERS = {"Api-Key"}


def json_response(data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """JSON answer with an explicit Content-Length, so the threaded server keeps connections alive."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return raw_response(body, status=status, headers=headers)


def raw_response(
    body: bytes, status: int = 200, content_type: str = "application/json; charset=utf-8", headers: dict | None = None
) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=content_type)
    response["Content-Length"] = str(len(body))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def gateway_error(status: int) -> HttpResponse:
    """What a load balancer in front of the platform answers when the backend fails: HTML, not JSON."""
    body = f"<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center></body></html>"
    return raw_response(body.encode(), status=status, content_type="text/html")


def read_body(request) -> bytes:
    """The raw body; past Django's in-memory size cap (images may be a few MB of base64) read from the stream."""
    try:
        return request.body
    except RequestDataTooBig:
        return request.read()


def parse_json(raw: bytes):
    """Decoded JSON, or raise ValueError."""
    if not raw:
        raise ValueError("empty body")
    return json.loads(raw.decode("utf-8"))


def hex32() -> str:
    return secrets.token_hex(16)


def mask(value) -> str:
    """Last four characters only, as the console shows secrets."""
    text = str(value)
    return "…" + text[-4:] if len(text) > 4 else "…"


def robot_ref(key: str) -> str:
    """A robot's name in page links: derived from its key, but not the key (pages and their URLs never show it)."""
    return hashlib.sha256(f"robot:{key}".encode()).hexdigest()[:16]


def masked_query(query) -> dict:
    return {k: (mask(v) if k in SECRET_QUERY_KEYS else v) for k, v in query.items()}


def masked_body(body):
    if isinstance(body, dict):
        return {k: (mask(v) if k in SECRET_BODY_KEYS else masked_body(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [masked_body(v) for v in body[:20]]
    return body


def log_call(world, request, service: str, path: str, body=None) -> dict:
    """Append the call to the world's request log (secrets masked to their last four characters)."""
    headers = {}
    for name in ("Client-Id", "Api-Key", "Content-Type", "User-Agent"):
        value = request.headers.get(name)
        if value is not None:
            headers[name] = mask(value) if name in SECRET_HEADERS else value
    return world.log_request(
        service=service,
        method=request.method,
        path=path,
        query=masked_query(request.GET.dict()),
        headers=headers,
        body=masked_body(body),
    )


def finish(entry: dict, response: HttpResponse, outcome: str = "") -> HttpResponse:
    entry["status"] = response.status_code
    entry["outcome"] = outcome
    entry["duration"] = round(time.time() - entry["time"], 4)
    return response
