"""The company's security policy as one read, and the answers sign-in asks of it."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PasswordChange, SecurityPolicy

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def current() -> SecurityPolicy:
    """The policy row; before anyone has saved one, the defaults (unsaved: a read never writes)."""
    return SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)


def parse_networks(text: str) -> list[Network]:
    """The administrator networks, one CIDR (or single address) a line; blank lines and `#` comments are
    skipped. A line that is not a network raises ValidationError naming it."""
    networks: list[Network] = []
    bad: list[str] = []
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            networks.append(ipaddress.ip_network(line, strict=False))
        except ValueError:
            bad.append(line)
    if bad:
        raise ValidationError(
            _("Not a network: %(lines)s. Write one network a line, like 203.0.113.0/24 or 2001:db8::/32.")
            % {"lines": ", ".join(bad)},
            code="invalid_network",
        )
    return networks


def network_allows(networks: list[Network], ip: str | None) -> bool:
    """Whether the address is inside one of the networks (no networks: anywhere)."""
    if not networks:
        return True
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return False
    return any(address in network for network in networks if network.version == address.version)


def admin_allowed_from(ip: str | None, *, policy: SecurityPolicy | None = None) -> bool:
    """Whether an administrator may sign in from this address under the company's networks. A saved policy
    always parses (the form and the CLI validate it); should it not, nobody is shut out by a typo."""
    policy = policy or current()
    try:
        networks = parse_networks(policy.admin_networks)
    except ValidationError:
        return True
    return network_allows(networks, ip)


def password_changed_at(user) -> datetime | None:
    """When the person's password last changed: the recorded change, else when they joined."""
    changed = PasswordChange.objects.filter(user=user).values_list("changed_at", flat=True).first()
    return changed or getattr(user, "date_joined", None)


def password_expired(user, *, policy: SecurityPolicy | None = None, now: datetime | None = None) -> bool:
    """Whether the person must change their password before signing in (only when a maximum age is set)."""
    policy = policy or current()
    if not policy.max_password_age_days:
        return False
    changed = password_changed_at(user)
    now = now or timezone.now()
    return changed is None or changed + timedelta(days=policy.max_password_age_days) <= now
