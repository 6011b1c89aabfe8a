from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    OFFBOARDED = "offboarded", _("Offboarded")
