"""Compliance settings: the facts of law loopsource cannot know yet, the HHI bands, and the
recycled-content evidence each legal profile accepts. Defaults follow the law as it stands;
a settings file (``--settings FILE``, YAML) changes them. Format and reasoning:
docs/compliance.md, section "Settings".

* ``batteries_delegated_act``: the date the delegated act on the calculation and verification
  of recycled content (Regulation (EU) 2023/1542, Art. 8(1)) enters into force. Not adopted as
  of 2026: unset, the documentation duty starts on 18 August 2028 (LMT batteries: 18 August
  2033); set, it starts on the later of that date and the act's date + 24 months.
* ``ppwr_implementing_act``: the date the implementing act on the calculation and verification
  method of recycled content (Regulation (EU) 2025/40, Art. 7(8)) enters into force. Unset, the
  2030 minimums apply from 1 January 2030; set, from the later of 1 January 2030 and the act's
  date + 3 years. (Default chosen because the act is due by 31 December 2026, which makes
  1 January 2030 the later date.)
* ``hhi_guidelines``: ``doj-2023`` (default) or ``doj-2010``: the HHI bands (vocabularies.ttl).
* ``evidence``: per profile, the recycled-content kinds and chain-of-custody models counted
  (default: ``src/loopsource/data/evidence.yaml``, each with its source).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from .. import resources
from ..errors import ShapesError
from ..rdf.vocab import code_lists

KINDS = ("pre_consumer", "post_consumer")
SETTING_KEYS = ("hhi_guidelines", "batteries_delegated_act", "ppwr_implementing_act", "evidence")
# The deferrable dates of the shapes (ls:deferredBy in the shapes files): setting -> months added.
DEFERRALS: dict[str, int] = {"batteries_delegated_act": 24, "ppwr_implementing_act": 36}


@dataclass(frozen=True)
class EvidenceRule:
    """What one legal profile counts as recycled content, and on what evidence."""

    profile: str
    kinds: tuple[str, ...]  # pre_consumer, post_consumer
    chains_of_custody: tuple[str, ...]  # ISO 22095 models (csv values)
    certificate_required: bool
    source: str


@dataclass(frozen=True)
class Settings:
    hhi_guidelines: str = "doj-2023"
    batteries_delegated_act: date | None = None
    ppwr_implementing_act: date | None = None
    evidence: dict[str, EvidenceRule] = field(default_factory=lambda: dict(default_evidence()))
    file: str | None = None

    def act_date(self, setting: str) -> date | None:
        return getattr(self, setting) if setting in DEFERRALS else None

    def start(self, base: date, deferred_by: str | None) -> date:
        """The later of ``base`` and the act named by ``deferred_by`` plus its months (Art. 8(1)
        Batteries: 24; Art. 7(1) PPWR: 3 years); ``base`` while the act's date is not set."""
        if deferred_by is None:
            return base
        if deferred_by not in DEFERRALS:
            raise ShapesError(f"ls:deferredBy {deferred_by!r}: one of {', '.join(DEFERRALS)}")
        act = self.act_date(deferred_by)
        return base if act is None else max(base, add_months(act, DEFERRALS[deferred_by]))


def add_months(d: date, months: int) -> date:
    """``d`` plus whole months; the last day of the month where the day does not exist."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _evidence_rule(profile: str, data: Any, where: str) -> EvidenceRule:
    if not isinstance(data, dict):
        raise ShapesError(f"{where}: evidence for {profile!r} is a mapping (kinds, chains_of_custody, "
                          f"certificate_required, source)")
    unknown = set(data) - {"kinds", "chains_of_custody", "certificate_required", "source"}
    if unknown:
        raise ShapesError(f"{where}: evidence for {profile!r}: unknown key(s) {', '.join(sorted(unknown))}")
    kinds = data.get("kinds", [])
    chains = data.get("chains_of_custody", [])
    if not isinstance(kinds, list) or any(k not in KINDS for k in kinds):
        raise ShapesError(f"{where}: evidence for {profile!r}: kinds is a list of {', '.join(KINDS)}")
    allowed = code_lists().chains_of_custody
    if not isinstance(chains, list) or any(c not in allowed for c in chains):
        raise ShapesError(f"{where}: evidence for {profile!r}: chains_of_custody is a list of "
                          f"{', '.join(allowed)}")
    required = data.get("certificate_required", False)
    if not isinstance(required, bool):
        raise ShapesError(f"{where}: evidence for {profile!r}: certificate_required is true or false")
    return EvidenceRule(profile, tuple(kinds), tuple(chains), required, str(data.get("source", "")))


@cache
def default_evidence() -> tuple[tuple[str, EvidenceRule], ...]:
    """The evidence rule set shipped with loopsource (data/evidence.yaml)."""
    import yaml

    data = yaml.safe_load(resources.read_text(resources.package_data_dir(), "evidence.yaml"))
    return tuple((p, _evidence_rule(p, v, "evidence.yaml")) for p, v in data.items())


def _date(value: Any, key: str, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ShapesError(f"{where}: {key} is a date (YYYY-MM-DD), got {value!r}") from None


def load_settings(path: Path | None) -> Settings:
    """The settings file (None: the defaults)."""
    if path is None:
        return Settings()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ShapesError(f"{path}: cannot read the settings file: {e}") from None
    return parse_settings(text, str(path))


def parse_settings(text: str, where: str) -> Settings:
    """Settings from the text of a settings file (``where`` names it): the file itself, or the
    copy a store records (validate.context)."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ShapesError(f"{where}: not valid YAML: {e}") from None
    data = data or {}
    if not isinstance(data, dict):
        raise ShapesError(f"{where}: a settings file is a mapping of {', '.join(SETTING_KEYS)}")
    unknown = set(data) - set(SETTING_KEYS)
    if unknown:
        raise ShapesError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(SETTING_KEYS)}")
    guidelines = data.get("hhi_guidelines", "doj-2023")
    from .concentration import hhi_guidelines

    if guidelines not in hhi_guidelines():
        raise ShapesError(f"{where}: hhi_guidelines is one of {', '.join(hhi_guidelines())}, got {guidelines!r}")
    evidence = dict(default_evidence())
    overrides = data.get("evidence") or {}
    if not isinstance(overrides, dict):
        raise ShapesError(f"{where}: evidence is a mapping from profile to its rule")
    for profile, rule in overrides.items():
        if profile not in evidence:
            raise ShapesError(f"{where}: evidence for unknown profile {profile!r}; one of {', '.join(evidence)}")
        evidence[profile] = _evidence_rule(profile, rule, where)
    return Settings(str(guidelines), _date(data.get("batteries_delegated_act"), "batteries_delegated_act", where),
                    _date(data.get("ppwr_implementing_act"), "ppwr_implementing_act", where), evidence, where)
