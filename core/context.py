"""Who is acting, from where: bound once per request or task, read by audit.record()."""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ActorContext:
    source: str = "system"
    actor_id: int | None = None
    actor_display: str = ""
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""


_current = contextvars.ContextVar("shopcrew_actor_context", default=ActorContext())  # noqa: B039 (frozen)


def current() -> ActorContext:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(**fields):
    """Bind actor fields for the duration of a block (a request, a task, a command)."""
    token = _current.set(replace(_current.get(), **fields))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_actor(user) -> None:
    """Record the signed-in user once authentication has resolved it."""
    if user is not None and getattr(user, "is_authenticated", False):
        _current.set(replace(_current.get(), actor_id=user.pk, actor_display=str(user)))


@contextmanager
def task_context(*, actor=None, request_id: str = ""):
    """Celery tasks bind source "task", crediting the person who started the work where known."""
    fields = {"source": "task", "request_id": request_id or new_request_id(), "ip": None, "user_agent": ""}
    if actor is not None:
        fields.update(actor_id=actor.pk, actor_display=str(actor))
    with bound(**fields) as ctx:
        yield ctx
