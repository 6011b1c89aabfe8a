"""When each person's password changed (for the maximum password age, 定期密码更换).

Django's user model sets `_password` when a password is set and clears it once saved: a post_save receiver
that sees it notes the time, whichever path set the password (the staff services, the expired-password page,
`createsuperuser`, `changepassword`, the demo seed). Connected in SecurityConfig.ready().
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.utils import timezone

from .models import PasswordChange


def on_user_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw or getattr(instance, "_password", None) is None:
        return
    PasswordChange.objects.update_or_create(user_id=instance.pk, defaults={"changed_at": timezone.now()})


def connect() -> None:
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="shopcrew.security.password_changed")
