"""Rate limiters over the simulated clock (which runs with real time plus an adjustable offset)."""

from collections import deque


class WindowLimiter:
    """Allows at most `limit` events per key within `window` seconds.

    `mode` is "sliding" (any `window`-long span) or "fixed" (windows aligned to multiples of `window`).
    `check` never records; `record` counts an event, so callers decide which outcomes count.
    """

    def __init__(self, *, limit: int, window: float, mode: str = "sliding"):
        self.limit = limit
        self.window = window
        self.mode = mode
        self._events: dict[str, deque] = {}
        self._fixed: dict[str, tuple[int, int]] = {}

    def _prune(self, key: str, now: float) -> deque:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def count(self, key: str, now: float) -> int:
        if self.mode == "fixed":
            slot, used = self._fixed.get(key, (-1, 0))
            return used if slot == int(now // self.window) else 0
        return len(self._prune(key, now))

    def check(self, key: str, now: float) -> bool:
        """True when one more event for `key` stays within the limit."""
        return self.limit <= 0 or self.count(key, now) < self.limit

    def record(self, key: str, now: float) -> None:
        if self.mode == "fixed":
            slot = int(now // self.window)
            current, used = self._fixed.get(key, (slot, 0))
            self._fixed[key] = (slot, used + 1 if current == slot else 1)
        else:
            self._prune(key, now).append(now)

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until one more event would be allowed."""
        if self.mode == "fixed":
            return self.window - (now % self.window)
        events = self._prune(key, now)
        return max(0.0, events[0] + self.window - now) if events else 0.0

    def hit(self, key: str, now: float) -> bool:
        """Check and, when allowed, record in one step."""
        if not self.check(key, now):
            return False
        self.record(key, now)
        return True
