"""Sign-in events into the audit log, from Django's auth signals and django-axes' lockout signal; lockouts and
an administrator's new address or browser also reach the security robot (security.services).

Connected in StaffConfig.ready(). Passwords never reach the log: only the username tried is kept.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction

from audit.services import record
from core import context

TARGET_TYPE = "staff.staff"


def _account(username: str):
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first() if username else None


def _record_as(user, action: str, **kwargs) -> None:
    """Record with `user` as the actor (the request's actor is still anonymous at sign-in)."""
    with context.bound(actor_id=user.pk, actor_display=str(user)):
        record(action, target=user, **kwargs)


def on_logged_in(sender, request, user, **kwargs):
    _record_as(user, "auth.login")
    if request is not None:
        from core.middleware import client_ip
        from security.services import source_seen

        source_seen(user=user, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        _record_as(user, "auth.logout")


def _blocked(request) -> bool:
    """True when axes refused the attempt outright (locked out), so the password was not even checked."""
    return bool(getattr(request, "axes_locked_out", False)) and getattr(request, "axes_failures_since_start", 0) is None


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")[:150]
    account = _account(username)
    record(
        "auth.login_failed",
        target_type=TARGET_TYPE,
        target_id=account.pk if account else "",
        target_label=username,
        after={"username": username},
        reason="locked out: the password was not checked" if _blocked(request) else "",
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    if _blocked(request):
        return  # an attempt during a lockout, already recorded as auth.login_failed
    from core.lockout import PAIR, REQUEST_ATTRIBUTE, Lockout, cooloff
    from security.services import lockout_announce

    username, ip = str(username or "")[:150], ip_address or ""
    failures = getattr(request, "axes_failures_since_start", None) or 0
    lockout = getattr(request, REQUEST_ATTRIBUTE, None) or Lockout(PAIR, username, ip, failures, None)
    account = _account(lockout.username)
    after = {
        "username": username,
        "ip": ip,
        "scope": lockout.kind,
        "failures": lockout.failures,
        "cooloff_minutes": int(cooloff(request).total_seconds() // 60),
    }
    with transaction.atomic():  # the audit event and the security robot's message, together
        record(
            "auth.lockout",
            target_type=TARGET_TYPE if lockout.username else "",
            target_id=account.pk if account else "",
            target_label=lockout.username or lockout.ip,
            after=after,
        )
        lockout_announce(lockout=lockout, occurred_at=getattr(request, "axes_attempt_time", None))


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_logged_in, dispatch_uid="shopcrew.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="shopcrew.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="shopcrew.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="shopcrew.audit.lockout")
