"""What the three sheets share: a checked file (rows planned, errors by line), the row error in words, progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

Progress = Callable[[int], None]


def no_progress(done: int) -> None:
    return None


def row_error(line: int, message: str) -> dict:
    """One refused row, in the user's language: 第 12 行：岗位“客服-中级”不存在."""
    return {"line": line, "message": _("Row %(line)s: %(message)s") % {"line": line, "message": message}}


@dataclass
class Checked:
    """A file checked row by row: `errors` (each {"line", "message"}) refuse the whole file; otherwise `preview`
    says per row what applying would do, and `counts` sums it up. `plan` holds what apply needs (not JSON)."""

    total: int
    errors: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    plan: list = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e["line"] for e in self.errors})

    def add_error(self, line: int, message: str) -> None:
        self.errors.append(row_error(line, message))

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n
