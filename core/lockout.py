"""Tiered lockout for repeated sign-in failures (django-axes callables)."""

from datetime import timedelta

from django.conf import settings
from django.shortcuts import render

TIERS_MINUTES = (15, 60, 24 * 60)


def cooloff(request=None):
    """15 minutes on the first lockout, an hour on the second, a day from the third on."""
    if request is None:
        return timedelta(minutes=TIERS_MINUTES[0])
    from axes.models import AccessFailureLog

    username = request.POST.get("username", "") if hasattr(request, "POST") else ""
    recent = AccessFailureLog.objects.filter(username=username, locked_out=True).count() if username else 0
    tier = min(recent, len(TIERS_MINUTES) - 1)
    return timedelta(minutes=TIERS_MINUTES[tier])


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    limit = settings.AXES_FAILURE_LIMIT
    return render(request, "accounts/locked.html", {"limit": limit}, status=429)
