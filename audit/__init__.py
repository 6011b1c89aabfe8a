"""Everyone records through audit.record(...)."""


def record(action, **kwargs):
    from .services import record as _record

    return _record(action, **kwargs)
