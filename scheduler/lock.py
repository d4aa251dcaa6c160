"""One `newswatch run` per database: an advisory lock file that names its holder."""
from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from db.schema import DirectoryNotWritable


class AlreadyRunning(RuntimeError):
    def __init__(self, db: Path, pid: str):
        super().__init__(f"`newswatch run` is already running on {db} (pid {pid or 'unknown'}); "
                         "stop it first, or use another --db")
        self.db, self.pid = db, pid


class RunLock:
    """flock on `<db>.lock`: released by the kernel when the process dies, so never stale."""

    def __init__(self, db: Path):
        self.db = Path(db)
        self.path = self.db.with_name(self.db.name + ".lock")
        self.fd: int | None = None

    def acquire(self) -> "RunLock":
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            raise DirectoryNotWritable(self.db, "`newswatch run` needs it for its lock file too; "
                                       "read-only queries still work") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise AlreadyRunning(self.db, holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def running_pid(db: Path) -> int | None:
    """The pid of the `newswatch run` holding `db`, or None when no daemon runs on it."""
    path = Path(db).with_name(Path(db).name + ".lock")
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:  # held: a daemon runs; its pid is in the file
        text = os.read(fd, 32).decode(errors="replace").strip()
        return int(text) if text.isdigit() else -1
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
