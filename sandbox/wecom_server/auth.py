"""WeCom server API simulator, tokens and limits: `gettoken` (the same token until it nears expiry, unless token
reuse is off), the access-token check of every other call (expired, disabled secret, trusted IPs, 48009 for a
contacts secret on a new address) and the per-corp and per-address frequency limits (3b.6, 45009).
"""

from __future__ import annotations

import secrets

from ..state import World
from .model import CONTACT_READS, TOKEN_TTL, Corp, CorpError, Secret, corps


def _authenticate(world: World, request, path: str) -> tuple[Corp, str, Secret]:
    token = request.GET.get("access_token", "")
    if not token:
        raise CorpError(41001, "access_token missing")
    for corp in corps(world).values():
        if token in corp.tokens:
            secret_value, expires = corp.tokens[token]
            if world.now() >= expires:
                raise CorpError(42001, "access_token expired")
            secret = corp.secrets.get(secret_value)
            if secret is None or not secret.enabled:
                raise CorpError(40014, "invalid access_token")
            ip = request.META.get("REMOTE_ADDR", "")
            if secret.trusted_ips and ip not in secret.trusted_ips:
                raise CorpError(60020, f"not allow to access from your ip, from ip: {ip}")
            if (
                secret.kind == "contacts"
                and path in CONTACT_READS
                and secret.check_new_ip
                and ip not in secret.known_ips
            ):
                raise CorpError(48009, "api forbidden for contact assistant")
            if secret.kind == "contacts":
                secret.known_ips.add(ip)
            return corp, secret_value, secret
    raise CorpError(40014, "invalid access_token")


def _gettoken(world: World, request) -> dict:
    corpid, corpsecret = request.GET.get("corpid", ""), request.GET.get("corpsecret", "")
    if not corpsecret:
        raise CorpError(41004, "corpsecret missing")
    corp = corps(world).get(corpid)
    if corp is None:
        raise CorpError(40013, "invalid corpid")
    secret = corp.secrets.get(corpsecret)
    if secret is None or not secret.enabled:
        raise CorpError(40001, "invalid credential")
    now = world.now()
    for token, (value, expires) in corp.tokens.items():
        if corp.reuse_tokens and value == corpsecret and expires > now + 60:
            return {"access_token": token, "expires_in": int(expires - now)}  # the same token until expiry
    token = secrets.token_urlsafe(48)
    corp.tokens[token] = (corpsecret, now + TOKEN_TTL)
    return {"access_token": token, "expires_in": TOKEN_TTL}


def _limit(world: World, corp: Corp, path: str, ip: str) -> None:
    """3b.6: per corp per API `per_minute` (blocked 60 s once over) and `per_hour` (blocked 60 min); per calling
    address per API `ip_per_minute` across corps (blocked 60 s). Over any → 45009."""
    now = world.now()
    by_ip = world.__dict__.setdefault("wecom_ip_calls", {})
    windows = [
        (corp.calls, corp.blocked_until, path, 60, corp.per_minute, 60),
        (corp.calls, corp.blocked_until, f"{path}#hour", 3600, corp.per_hour, 3600),
        (by_ip, by_ip.setdefault("#blocked", {}), f"{ip}|{path}", 60, corp.ip_per_minute, 60),
    ]
    for calls, blocked, key, span, limit, block in windows:
        if blocked.get(key, 0) > now:
            raise CorpError(45009, "api freq out of limit")
        recent = [t for t in calls.get(key, []) if now - t < span]
        calls[key] = recent
        if len(recent) >= limit:
            blocked[key] = now + block
            raise CorpError(45009, "api freq out of limit")
    for calls, _blocked, key, *_rest in windows:
        calls[key].append(now)
