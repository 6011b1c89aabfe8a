"""Files only their owner may read: the local secrets under var/ and the embedded SQLite database.

Plain Python (no Django), so settings modules can use it before Django is set up. A file is created with mode
0600 in one step (never world-readable, not even for a moment); one that exists already is narrowed to 0600, so
an installation made before this rule is tightened on its next start. A directory we create is 0700.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """The directory, created 0700 (with its missing parents) when absent; an existing one is left as it is."""
    path = Path(path)
    if not path.exists():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def narrow(path: Path) -> None:
    """Owner-only permissions on an existing file."""
    if stat.S_IMODE(os.stat(path).st_mode) != FILE_MODE:
        os.chmod(path, FILE_MODE)


def create_private(path: Path, text: str = "") -> bool:
    """Create the file with mode 0600 holding `text`; False (nothing written) if it exists already."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


def private_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in the file; made with `make()` and written 0600 the first time. Whoever creates the file
    first wins, so processes starting together agree on one value."""
    path = Path(path)
    private_dir(path.parent)
    if not create_private(path, make().strip() + "\n"):
        narrow(path)
    return path.read_text(encoding="utf-8").strip()


def private_database(path: Path) -> None:
    """An SQLite database file that only its owner may read: created empty (SQLite takes an empty file as a new
    database) with mode 0600 before SQLite would create it world-readable. SQLite gives its journal and WAL files
    the database file's permissions."""
    path = Path(path)
    private_dir(path.parent)
    if not create_private(path):
        narrow(path)
