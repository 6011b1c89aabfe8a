"""core.tasks.AuditedTask: the person who queued the work is credited, transient errors are retried."""

import pytest
from celery import shared_task

from audit.models import AuditEvent
from audit.services import record
from core.context import bound, current
from core.tasks import AuditedTask
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ATTEMPTS: list[int] = []


class Flaky(Exception):
    def __init__(self, transient: bool):
        super().__init__("flaky")
        self.transient = transient


class FlakyTask(AuditedTask):
    retry_for = (Flaky,)
    retry_backoff = 0

    def is_transient(self, exc) -> bool:
        return exc.transient


@shared_task(base=AuditedTask)
def _record_something(label: str) -> str:
    record("test.task_ran", after={"label": label})
    return current().source


@shared_task(base=FlakyTask, max_retries=3)
def _flaky(failures: int, transient: bool = True) -> int:
    ATTEMPTS.append(1)
    if len(ATTEMPTS) <= failures:
        raise Flaky(transient)
    return len(ATTEMPTS)


@pytest.fixture
def eager(settings):
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_attempts():
    ATTEMPTS.clear()


def test_work_queued_by_a_person_is_credited_to_them_as_a_task(eager):
    person = StaffFactory(name="王芳")
    with bound(source="web", actor_id=person.pk, actor_display=str(person), request_id="r-1"):
        assert _record_something.delay("x").get() == "task"
    event = AuditEvent.objects.get(action="test.task_ran")
    assert (event.actor_id, event.source, event.request_id) == (person.pk, "task", "r-1")


def test_work_nobody_queued_credits_nobody(eager):
    assert _record_something.delay("beat").get() == "task"
    event = AuditEvent.objects.get(action="test.task_ran")
    assert event.actor_id is None and event.source == "task"


def test_every_task_has_time_limits():
    from rbac.tasks import expire_due
    from stores.tasks import refresh_due_shopee_tokens, refresh_shopee_tokens

    for task in (_record_something, expire_due, refresh_due_shopee_tokens, refresh_shopee_tokens):
        assert isinstance(task, AuditedTask)
        assert 0 < task.soft_time_limit < task.time_limit


def test_a_transient_error_is_retried_until_it_passes(eager):
    assert _flaky.delay(2).get() == 3


def test_a_permanent_error_is_not_retried(eager):
    assert _flaky.delay(1, transient=False).get() is None
    assert len(ATTEMPTS) == 1


def test_retries_stop_at_the_limit(eager):
    assert _flaky.delay(10).get() is None
    assert len(ATTEMPTS) == 4  # the first run and three retries


def test_a_call_that_does_not_fit_the_task_is_refused_when_queued():
    with pytest.raises(TypeError):
        _record_something.delay()
