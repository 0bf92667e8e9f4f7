"""Generation folders of an embedded store: pins held by readers, and the sweep of old and
abandoned generations.

A store folder holds generations ``db-000001``, ``db-000002``, ... and ``current``, a symlink
to the good one. Every generation has a pin file ``.pin``:

* a process that opens a generation (to read, or as the base of a write) holds a *shared*
  ``flock`` on its pin until it closes the store, so a reader never loses files under it;
* a writer making a new generation (``db-NNNNNN.tmp`` until it is complete) holds an
  *exclusive* lock on the new one's pin until it has switched ``current`` to it;
* the sweep removes a generation only while it holds the exclusive lock itself, taken without
  waiting: a pinned generation stays (the next sweep removes it), and an abandoned ``.tmp``
  (its writer was killed, so its lock went with it) is removed at the next write.

Locks are released by the kernel when a process dies, so a killed reader or writer never
leaves a generation pinned for ever.
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from pathlib import Path

from ..errors import StoreError

log = logging.getLogger(__name__)
PIN = ".pin"


class Pin:
    """A lock on a generation's pin file (shared: in use; exclusive: being written or removed)."""

    def __init__(self, fd: int, generation: Path):
        self.fd: int | None = fd
        self.generation = generation

    def share(self) -> None:
        """Turn a writer's exclusive lock into a reader's shared one (the generation is complete)."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)  # closing the descriptor releases the flock
            finally:
                self.fd = None

    def __del__(self) -> None:  # a store dropped without close() still lets its generation go
        self.release()


def _open_pin(generation: Path, create: bool) -> int:
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(generation / PIN, flags)
    except FileNotFoundError:
        if not create or not generation.is_dir():
            raise
        return os.open(generation / PIN, flags | os.O_CREAT, 0o644)


def new_pin(generation: Path) -> Pin:
    """The exclusive pin of a generation being written (created with it)."""
    fd = _open_pin(generation, create=True)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return Pin(fd, generation)


def pin_current(root: Path, attempts: int = 200) -> tuple[Path, Pin | None]:
    """Resolve ``root/current`` and hold a shared pin on that generation.

    Between resolving the link and taking the lock a writer may switch and remove the
    generation; then the lock cannot be had or the folder is gone, and the link is resolved
    again. A generation whose pin cannot be created (a read-only copy of a store) is used
    without a pin.
    """
    current = root / "current"
    for _ in range(attempts):
        try:
            generation = current.resolve(strict=True)
        except FileNotFoundError:
            raise StoreError(f"{root}: no loopsource store here; run 'loopsource build DATA_DIR --store {root}' "
                             "first") from None
        try:
            fd = _open_pin(generation, create=True)
        except FileNotFoundError:
            continue  # removed meanwhile: resolve again
        except OSError:
            return generation, None  # read-only store: nobody can remove it either
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            time.sleep(0.005)  # a sweep holds it and is removing it
            continue
        if (generation / "oxigraph").is_dir():
            return generation, Pin(fd, generation)
        os.close(fd)
    raise StoreError(f"{root}: the current generation kept changing while it was opened; try again")


def try_remove(generation: Path) -> bool:
    """Remove a generation unless somebody holds its pin. True when it is gone."""
    try:
        fd = _open_pin(generation, create=True)
    except FileNotFoundError:
        return not generation.exists()
    except OSError as e:
        log.debug("cannot pin %s for removal: %s", generation, e)
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        shutil.rmtree(generation, ignore_errors=True)
        return not generation.exists()
    finally:
        os.close(fd)


def sweep(root: Path) -> list[Path]:
    """Remove every generation of ``root`` except the current one, unless pinned: superseded
    ones and ``.tmp`` ones left by killed writers. Returns what is left over (pinned)."""
    root = Path(root)
    try:
        keep = (root / "current").resolve(strict=True)
    except (FileNotFoundError, OSError):
        keep = None
    left = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return left
    for entry in entries:
        if not entry.name.startswith("db-") or entry.is_symlink() or not entry.is_dir() or entry.resolve() == keep:
            continue
        if not try_remove(entry):
            left.append(entry)
    link = root / "current.tmp"
    if link.is_symlink():
        link.unlink(missing_ok=True)
    return left


def pinned(root: Path) -> bool:
    """Whether any generation of the store at ``root`` is pinned (in use) right now."""
    try:
        entries = list(Path(root).iterdir())
    except OSError:
        return False
    for entry in entries:
        if not entry.name.startswith("db-") or not entry.is_dir():
            continue
        try:
            fd = _open_pin(entry, create=False)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
    return False


def remove_store_tree(folder: Path, store: Path) -> bool:
    """Remove ``folder`` (which holds the store ``store``) unless one of the store's
    generations is pinned. Every generation is locked exclusively (without waiting) before
    anything is removed, so a reader that pins one meanwhile keeps the whole folder."""
    fds: list[int] = []
    try:
        try:
            entries = [e for e in store.iterdir() if e.name.startswith("db-") and e.is_dir()]
        except FileNotFoundError:
            entries = []
        for entry in entries:
            try:
                fd = _open_pin(entry, create=True)
            except OSError:
                continue
            fds.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
        shutil.rmtree(folder, ignore_errors=True)
        return not folder.exists()
    finally:
        for fd in fds:
            os.close(fd)


WRITER = ".writer"


def writer_lock(root: Path) -> int:
    """An exclusive lock on ``root/.writer`` for a process that will write the store (one at a
    time: a second writer would build on a generation the first is replacing, and one of the
    two writes would be lost). The kernel releases it when the process dies."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / WRITER, os.O_RDONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as e:
        raise StoreError(f"{root}: cannot open the store for writing: {e.strerror or e}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreError(f"{root}: cannot write the store (another loopsource command or 'loopsource serve "
                         "--writable' has it open for writing); wait for it to finish") from None
    return fd
