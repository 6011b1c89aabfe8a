"""The sop app's demo steps (core.seeding): the default checklist templates (also a data migration; again here in
case a database was emptied since) and today's daily store check of every demo store whose morning has come, so
the demo's staff find them on 我的职责 straight away. Both idempotent."""

from core.seeding import Seed

from .checklists import daily_checks_generate, templates_ensure
from .models import ChecklistTemplate


def seed_checklists(seed: Seed) -> None:
    before = ChecklistTemplate.objects.count()
    templates_ensure()
    if made := ChecklistTemplate.objects.count() - before:
        seed.created("checklist templates", made)
    if made := daily_checks_generate():
        seed.created("daily store checks", made)


SEED_STEPS = [seed_checklists]
