"""What a compliance answer rests on, and where each part came from: the as-of date, the
company policy and the compliance settings.

One store gives one answer: ``loopsource run`` (and ``validate --record``) writes the three
into the store's meta graph (store.meta, activity ``compliance``): the as-of date, and of the
policy and settings files their content, their path as given and their SHA-256, so a store
is self-contained (the policy file may be moved or changed later). ``validate``, ``report``,
``readiness`` and ``passport`` on that store use what it records unless the command line
overrides a part; every output says which was used (``ComplianceContext.lines``, the
``context`` key of validation.json and metrics.json). docs/compliance.md, "One answer per store".
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError, ShapesError
from ..files import MAX_YAML_BYTES, read_text_input
from ..store import GraphStore
from ..store.meta import COMPLIANCE, read_activity, record_activity
from .policy import Policy, parse_policy
from .settings import Settings, parse_settings

#: Where a part of the context came from.
FROM_COMMAND_LINE = "command line"
FROM_STORE = "recorded in the store"
FROM_DATA_DIR = "data folder"
FROM_DEFAULT = "default"


@dataclass(frozen=True)
class RecordedFile:
    """A policy or settings file as used: its path as given, its content and its SHA-256."""

    path: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_json(self, source: str) -> dict[str, Any]:
        return {"file": self.path, "sha256": self.sha256, "source": source}


@dataclass(frozen=True)
class ComplianceContext:
    as_of: date
    as_of_source: str
    policy: Policy | None
    policy_file: RecordedFile | None
    policy_source: str
    settings: Settings
    settings_file: RecordedFile | None
    settings_source: str
    recorded: str | None = None  # "run, 2026-11-29T22:07:37Z": the store's record, when there is one

    def lines(self) -> list[str]:
        """The context in words, one line each (for stderr and the text output)."""
        def part(name: str, rec: RecordedFile | None, source: str) -> str:
            if rec is None:
                return f"{name}: none" + (" (the policy profile is not checked)" if name == "policy" else
                                          " (defaults)")
            return f"{name}: {rec.path} (sha256 {rec.sha256[:12]}, {source})"

        return [f"as of {self.as_of.isoformat()} ({self.as_of_source})",
                part("policy", self.policy_file, self.policy_source),
                part("settings", self.settings_file, self.settings_source)]

    def to_json(self) -> dict[str, Any]:
        """The ``context`` key of validation.json and metrics.json."""
        return {"as_of": {"date": self.as_of.isoformat(), "source": self.as_of_source},
                "policy": None if self.policy_file is None else self.policy_file.to_json(self.policy_source),
                "settings": None if self.settings_file is None else self.settings_file.to_json(self.settings_source),
                "recorded": self.recorded}

    def record(self, store: GraphStore, by: str) -> None:
        """Write this context into the store's meta graph (replacing an earlier record)."""
        details = {"recordedBy": by, "asOf": f'"{self.as_of.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date>'}
        for key, rec in (("policy", self.policy_file), ("settings", self.settings_file)):
            if rec is not None:
                details.update({f"{key}File": rec.path, f"{key}Sha256": rec.sha256, f"{key}Text": rec.text})
        record_activity(store, COMPLIANCE, details)


def _read(path: Path, what: str) -> RecordedFile:
    try:
        text = read_text_input(path, str(path), limit=MAX_YAML_BYTES)
    except InputError as e:
        raise ShapesError(f"cannot read the {what} file: {e.problems[0]}") from None
    return RecordedFile(str(path), text)


def resolve_context(store: GraphStore | None, *, as_of: date | None = None, policy: Path | None = None,
                    settings: Path | None = None, policy_source: str = FROM_COMMAND_LINE,
                    today: date | None = None) -> ComplianceContext:
    """The context of a compliance answer: each part from the command line when given, else
    from the store's record (``store``: None for a store not built yet), else the default
    (today; no policy; the default settings). A recorded file is read from its recorded copy,
    never from its path."""
    recorded = read_activity(store, COMPLIANCE) if store is not None else {}
    if as_of is not None:
        day, day_source = as_of, FROM_COMMAND_LINE
    elif recorded.get("asOf"):
        day, day_source = date.fromisoformat(recorded["asOf"]), FROM_STORE
    else:
        day, day_source = today or date.today(), f"{FROM_DEFAULT}: today"
    pol_file, pol_source = _part(recorded, "policy", policy, policy_source)
    set_file, set_source = _part(recorded, "settings", settings, FROM_COMMAND_LINE)
    # The recorded path names the file in errors and rule sources, so that a store's answer reads
    # the same whether its policy came from the file or from the store's copy.
    pol = parse_policy(pol_file.text, pol_file.path) if pol_file else None
    chosen = parse_settings(set_file.text, set_file.path) if set_file else Settings()
    when = recorded.get("endedAtTime")
    return ComplianceContext(day, day_source, pol, pol_file, pol_source, chosen, set_file, set_source,
                             f"{recorded.get('recordedBy', '?')}, {when}" if recorded else None)


def _part(recorded: dict[str, str], key: str, given: Path | None, given_source: str) -> tuple[RecordedFile | None, str]:
    if given is not None:
        return _read(given, key), given_source
    if f"{key}Text" in recorded:
        rec = RecordedFile(recorded.get(f"{key}File", f"{key}.yaml"), recorded[f"{key}Text"])
        if recorded.get(f"{key}Sha256") not in (None, rec.sha256):
            raise ShapesError(f"the store's recorded {key} file {rec.path} does not match its recorded SHA-256; "
                              f"give --{key} FILE, or run again")
        return rec, FROM_STORE
    return None, FROM_DEFAULT
