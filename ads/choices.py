from django.db import models
from django.utils.translation import gettext_lazy as _

from .readings import BudgetPeriod as Period
from .readings import CampaignState as State


class CampaignState(models.TextChoices):
    RUNNING = State.RUNNING, _("Running")
    SCHEDULED = State.SCHEDULED, _("Scheduled")
    PAUSED = State.PAUSED, _("Paused")
    OUT_OF_BUDGET = State.OUT_OF_BUDGET, _("Out of budget")
    ENDED = State.ENDED, _("Ended")
    OTHER = State.OTHER, _("Other (moderation, unknown)")


class BudgetPeriod(models.TextChoices):
    DAILY = Period.DAILY, _("per day")
    WEEKLY = Period.WEEKLY, _("per week")
    TOTAL = Period.TOTAL, _("in total")
    NONE = Period.NONE, _("unlimited")


STOPPED_STATES = frozenset({CampaignState.PAUSED, CampaignState.OUT_OF_BUDGET})
