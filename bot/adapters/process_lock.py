"""One polling process per SQLite database, enforced.

SQLite has no lease to share between processes, so a second ``serve``, ``demo`` or ``poll`` on
the same file is refused at start with a message naming the file and the process holding it. The
lock is an exclusive ``flock`` on a file beside the database (``sitrep.db.lock``). The kernel
drops it when the process ends, however it ends, so a kill -9 never leaves a stale lock behind.
One-shot tools that only read or export (``export``, ``feedback``…) do not take it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Self

from bot.errors import StoreError


class DatabaseInUse(StoreError):
    """Another Sitrep process polls this SQLite database."""


class ProcessLock:
    """An exclusive lock on ``<database>.lock``, held from ``acquire`` until ``release``."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DatabaseInUse(
                f"{self.database} is in use by another Sitrep process{holder}. SQLite allows one "
                "polling process per database: stop the other one, or use PostgreSQL (DATABASE_URL) "
                "to run replicas (docs/OPERATIONS.md, 'Replicas')."
            ) from None
        except OSError as e:
            os.close(fd)
            raise StoreError(f"cannot lock {self.path}: {e.strerror or e}") from e
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


__all__ = ["DatabaseInUse", "ProcessLock"]
