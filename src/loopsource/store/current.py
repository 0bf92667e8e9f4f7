"""The current store: which embedded store a command uses when it is given neither ``--store``
nor ``--endpoint``.

``loopsource run DATA --out DIR`` and ``loopsource build DATA [--store DIR]`` record the store
they wrote as the current one in ``./.loopsource-store`` (a one-line text file in the working
folder: the store's path, relative to that folder when it is inside it; a comment line says
which command set it). Every other command resolves its default through :func:`default_store`:
the current store when the file exists, else ``./.loopsource``. So after the quick start,
``loopsource query ...`` reads ``out/store``. The CLI says on stderr which store it uses and
why. docs/compliance.md, "The current store".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import UsageError
from ..files import atomic_write
from .base import DEFAULT_STORE

#: The file that names the current store, in the working folder.
CURRENT_FILE = Path(".loopsource-store")


@dataclass(frozen=True)
class StoreChoice:
    """The store a command uses and why (for the line on stderr)."""

    path: Path
    why: str


def default_store() -> StoreChoice:
    """The current store (``./.loopsource-store``) if one is recorded, else ``./.loopsource``.

    A recorded store that no longer exists is an error, not a silent fall-back to another store."""
    if CURRENT_FILE.is_file():
        try:
            lines = CURRENT_FILE.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{CURRENT_FILE}: cannot read the current store's name: {e}") from None
        names = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        setter = next((ln.lstrip("# ").strip() for ln in lines if ln.lstrip().startswith("#")), "")
        if names:
            path = Path(names[0])
            if not path.exists():
                raise UsageError(f"{CURRENT_FILE} names the store {path}, which does not exist (any more): run "
                                 "'loopsource run DATA_DIR --out DIR' or 'loopsource build DATA_DIR' again, give "
                                 f"--store DIR, or delete {CURRENT_FILE}")
            return StoreChoice(path, f"the current store named in ./{CURRENT_FILE}" +
                               (f"; {setter}" if setter else ""))
    return StoreChoice(DEFAULT_STORE, "the default store; no current store is recorded in this folder")


def set_current(store: Path, command: str) -> Path:
    """Record ``store`` as the current store (``command`` says who set it); returns the path
    written: relative to the working folder when the store is inside it, else absolute."""
    absolute = Path(os.path.abspath(store))
    cwd = Path(os.getcwd())
    try:
        shown = absolute.relative_to(cwd)
    except ValueError:
        shown = absolute
    when = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    atomic_write(CURRENT_FILE, f"{shown}\n# set by '{command}' at {when}\n")
    return shown
