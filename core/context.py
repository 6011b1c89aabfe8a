"""Who is acting, from where: bound once per request or task, read by audit.record().

A request binds its source, id, IP and user agent on arrival (core.middleware) and its actor as soon as
authentication has resolved one: the session user in the middleware, an API token's user in the DRF
authentication classes (core.api.authentication). The request itself is bound too, so that a recorder can
still find the person behind it when something read the context before authentication ran.

A task binds source "task" and credits the person who started the work: the view hands `handoff()` to the
task as JSON-safe keyword arguments and the task opens `task_context(**handoff)`.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ActorContext:
    source: str = "system"
    actor_id: int | None = None
    actor_display: str = ""
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    # The HTTP request being served (None outside one); read only to find the authenticated user.
    request: object = field(default=None, compare=False, repr=False)


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
    """Record the signed-in user once authentication has resolved it (anonymous users change nothing)."""
    if user is not None and getattr(user, "is_authenticated", False):
        _current.set(replace(_current.get(), actor_id=user.pk, actor_display=str(user)))


def request_user(ctx: ActorContext | None = None):
    """The authenticated user of the request bound in ctx (None when there is none, or nobody signed in).

    Reads what authentication left on the request (Django's session user, or the user DRF's authentication
    put there), without starting a lookup of its own: an unevaluated lazy user is evaluated, which is what
    the request would do anyway.
    """
    request = (ctx or current()).request
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def handoff() -> dict:
    """What a task needs to credit the person who started it: JSON-safe kwargs for task_context()."""
    ctx = current()
    actor_id, actor_display = ctx.actor_id, ctx.actor_display
    if actor_id is None and (user := request_user(ctx)) is not None:
        actor_id, actor_display = user.pk, str(user)
    return {"actor_id": actor_id, "actor_display": actor_display, "request_id": ctx.request_id}


@contextmanager
def task_context(*, actor=None, actor_id: int | None = None, actor_display: str = "", request_id: str = ""):
    """Celery tasks bind source "task", crediting the person who started the work where known.

    Give `actor` (a user) or `actor_id` and `actor_display` (as `handoff()` returns them); the request id of
    the request that queued the work keeps the two sides findable together in the audit log.
    """
    if actor is not None:
        actor_id, actor_display = actor.pk, actor_display or str(actor)
    fields = {
        "source": "task",
        "request_id": request_id or new_request_id(),
        "ip": None,
        "user_agent": "",
        "request": None,
        "actor_id": actor_id,
        "actor_display": actor_display,
    }
    with bound(**fields) as ctx:
        yield ctx
