"""Transport GHG intensity factors (kg CO2e per tonne-km, WTW and TTW): the one reader.

The packaged table (``data/transport_factors.yaml``: UK DESNZ 2026 factors under the Open
Government Licence, each with source, table, year, licence and how well it is verified) is
overridden *by key* by a table the user supplies (``--emission-factors FILE``), YAML or CSV:

YAML::

    version: my-factors-2026          # optional; names the table in every output
    factors:
      glec-rail-eu-diesel:            # key: letters, digits, '.', '_', '-'
        mode: rail                    # a transport_mode of purchases.csv
        ttw: 0.0236                   # kg CO2e per tonne-km, tank-to-wheel
        wtt: 0.0071                   # well-to-tank; or give wtw (= ttw + wtt) instead of one
        source: ..., table: ..., year: 2025, licence: ..., class: ..., verified: ...
    modes:
      rail: glec-rail-eu-diesel       # which factor each transport_mode uses (null: none)

CSV: columns ``key, mode, ttw, wtt, wtw`` (numbers may be empty), optional ``class, source,
table, year, licence, verified, use_for_mode`` (``true``: this factor is the mode's factor).

Of ttw, wtt and wtw any two give the third (wtw = ttw + wtt); all three must agree to 1e-9
kg. A factor with only one of them leaves the other figures "not computable". The legacy
scenario layout ``modes: {road: 123.66}`` or ``{road: {g_per_tkm: 123.66}}`` (g CO2e per
tonne-km, basis not stated) is still read: as a WTW factor with key ``FILE-MODE``.

Placed in the foundation because the build stores the factors it used in the graph (so the
catalogue query reads the same numbers as the report), and every later stage reads them.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .errors import InputError, Problem
from .resources import package_data_dir
from .transport_distance import MODES

KEY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
TEXT_FIELDS = ("class", "source", "table", "year", "licence", "verified")
MAX_FACTOR = 100.0  # kg CO2e per tonne-km: far above any real freight factor (air is about 1)
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Factor:
    """One intensity factor; ``None`` where the table does not give (or imply) the figure."""

    key: str
    mode: str
    ttw: float | None  # kg CO2e per tonne-km, tank-to-wheel
    wtt: float | None  # well-to-tank
    wtw: float | None  # well-to-wheel = ttw + wtt
    vehicle_class: str = ""
    source: str = ""
    table: str = ""
    year: str = ""
    licence: str = ""
    verified: str = ""


@dataclass(frozen=True)
class FactorTable:
    """Factors by key, and which key each transport mode uses."""

    version: str
    factors: Mapping[str, Factor]
    modes: Mapping[str, str | None]

    def for_mode(self, mode: str | None) -> Factor | None:
        key = self.modes.get(mode or "")
        return self.factors.get(key) if key else None

    @property
    def g_per_tkm(self) -> dict[str, float | None]:
        """WTW g CO2e per tonne-km per mode: the figure the network and tender stages price with."""
        out: dict[str, float | None] = {}
        for mode in MODES:
            f = self.for_mode(mode)
            out[mode] = None if f is None or f.wtw is None else f.wtw * 1000.0
        return out

    @property
    def sources(self) -> dict[str, str]:
        out = {}
        for mode in MODES:
            f = self.for_mode(mode)
            out[mode] = f"{f.key}: {f.source} {f.table} ({f.year})".strip() if f else "no factor"
        return out

    def describe(self) -> dict[str, Any]:
        """The table as a JSON-ready document (metrics.json, the scenario document)."""
        return {"version": self.version, "unit": "kg CO2e per tonne-km", "modes": dict(self.modes),
                "factors": {k: {"mode": f.mode, "class": f.vehicle_class, "ttw": f.ttw, "wtt": f.wtt, "wtw": f.wtw,
                                "source": f.source, "table": f.table, "year": f.year, "licence": f.licence,
                                "verified": f.verified}
                            for k, f in sorted(self.factors.items()) if k in set(self.modes.values())}}


def complete(key: str, ttw: float | None, wtt: float | None, wtw: float | None) -> tuple[float | None, ...]:
    """(ttw, wtt, wtw) with the missing one derived from the other two; ValueError if they disagree."""
    if ttw is not None and wtt is not None:
        if wtw is not None and abs(ttw + wtt - wtw) > 1e-9:
            raise ValueError(f"factor {key}: wtw {wtw} is not ttw + wtt = {ttw + wtt}")
        return ttw, wtt, ttw + wtt
    if wtw is not None and ttw is not None:
        return ttw, wtw - ttw, wtw
    if wtw is not None and wtt is not None:
        return wtw - wtt, wtt, wtw
    return ttw, wtt, wtw


# ----------------------------------------------------------------------------- reading
class _Reader:
    """Collects every problem of one file, then raises them together (exit 2)."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def bad(self, line: int | None, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, line, column, reason))

    def number(self, raw: Any, line: int | None, column: str) -> float | None:
        if raw is None or raw == "":
            return None
        try:
            if isinstance(raw, bool):
                raise ValueError
            v = float(raw)
        except (TypeError, ValueError):
            self.bad(line, column, f"{raw!r} is not a number")
            return None
        if not math.isfinite(v) or v < 0 or v > MAX_FACTOR:
            self.bad(line, column, f"{raw!r} must be a number from 0 to {MAX_FACTOR:g} kg CO2e per tonne-km")
            return None
        return v

    def factor(self, key: str, mode: Any, nums: dict[str, Any], texts: Mapping[str, Any], line: int | None,
               where: str) -> Factor | None:
        n0 = len(self.problems)
        if not KEY.match(key):
            self.bad(line, where + "key", f"factor key {key!r} must be 1-100 letters, digits, '.', '_' or '-'")
        if mode not in MODES:
            self.bad(line, where + "mode", f"mode {mode!r} is not one of {', '.join(MODES)}")
        values = {k: self.number(nums.get(k), line, where + k) for k in ("ttw", "wtt", "wtw")}
        if all(v is None for v in values.values()) and len(self.problems) == n0:
            self.bad(line, where + "ttw", f"factor {key} gives none of ttw, wtt, wtw")
        if len(self.problems) > n0:
            return None
        try:
            ttw, wtt, wtw = complete(key, values["ttw"], values["wtt"], values["wtw"])
        except ValueError as e:
            self.bad(line, where + "wtw", str(e))
            return None
        if (wtt is not None and wtt < -1e-12) or (ttw is not None and ttw < -1e-12):
            self.bad(line, where + "wtw", f"factor {key}: wtw is smaller than the ttw or wtt it must contain")
            return None
        t = {k: "" if texts.get(k) is None else str(texts.get(k)) for k in TEXT_FIELDS}
        return Factor(key, str(mode), ttw, wtt, wtw, t["class"], t["source"], t["table"], t["year"], t["licence"],
                      t["verified"])

    def done(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def _plain(node: yaml.Node) -> Any:
    return yaml.SafeLoader(io.StringIO("")).construct_object(node, deep=True)


def _read_yaml(text: str, file: str) -> tuple[str | None, dict[str, Factor], dict[str, str | None]]:
    r = _Reader(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(Problem(file, mark.line + 1 if mark else None, None, f"not valid YAML: {e}")) from None
    if not isinstance(root, yaml.MappingNode):
        raise InputError(Problem(file, 1, None, "a factor file is a mapping with 'factors' and/or 'modes'"))
    top = {k.value: v for k, v in root.value}
    factors: dict[str, Factor] = {}
    modes: dict[str, str | None] = {}
    fac = top.get("factors")
    if fac is not None and not isinstance(fac, yaml.MappingNode):
        r.bad(fac.start_mark.line + 1, "factors", "factors must map a key to a factor")
    for k, v in (fac.value if isinstance(fac, yaml.MappingNode) else []):
        line = k.start_mark.line + 1
        body = _plain(v)
        if not isinstance(body, dict):
            r.bad(line, f"factors.{k.value}", "a factor is a mapping with mode, ttw, wtt, wtw, source ...")
            continue
        f = r.factor(str(k.value), body.get("mode"), body, body, line, f"factors.{k.value}.")
        if f is not None:
            factors[f.key] = f
    mm = top.get("modes")
    if mm is not None and not isinstance(mm, yaml.MappingNode):
        r.bad(mm.start_mark.line + 1, "modes", "modes must map a transport mode to a factor key")
    for k, v in (mm.value if isinstance(mm, yaml.MappingNode) else []):
        line, mode, value = k.start_mark.line + 1, str(k.value), _plain(v)
        if mode not in MODES:
            r.bad(line, f"modes.{mode}", f"unknown transport mode {mode!r}; known: {', '.join(MODES)}")
            continue
        if isinstance(value, dict) and "g_per_tkm" in value and value.get("g_per_tkm") is None:
            modes[mode] = None  # legacy layout: no factor for this mode
        elif isinstance(value, (int, float, dict)) and not isinstance(value, bool):
            g = value.get("g_per_tkm") if isinstance(value, dict) else value  # legacy scenario layout, g per tkm
            gv = r.number(g, line, f"modes.{mode}.g_per_tkm")
            if gv is not None:
                key = re.sub(r"[^A-Za-z0-9._-]", "-", Path(file).name) + "-" + mode
                src = value.get("source") if isinstance(value, dict) else None
                factors[key] = Factor(key, mode, None, None, gv / 1000.0, "", str(src or file),
                                      "legacy g_per_tkm (read as WTW)")
                modes[mode] = key
        elif value is None or isinstance(value, str):
            modes[mode] = value
        else:
            r.bad(line, f"modes.{mode}", f"{value!r} is not a factor key")
    r.done()
    version = top.get("version")
    return (str(version.value) if version is not None else None), factors, modes


def _read_csv(text: str, file: str) -> tuple[str | None, dict[str, Factor], dict[str, str | None]]:
    r = _Reader(file)
    rows = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("key", "mode", "ttw", "wtt", "wtw") if c not in (rows.fieldnames or [])]
    if missing:
        raise InputError(Problem(file, 1, None, f"missing column(s) {', '.join(missing)}"))
    factors: dict[str, Factor] = {}
    modes: dict[str, str | None] = {}
    for row in rows:
        line = rows.line_num
        key = (row.get("key") or "").strip()
        if key in factors:
            r.bad(line, "key", f"factor key {key!r} appears twice")
        f = r.factor(key, (row.get("mode") or "").strip(), row, row, line, "")
        use = (row.get("use_for_mode") or "").strip().lower()
        if use not in ("", "true", "false"):
            r.bad(line, "use_for_mode", f"{use!r} is not true, false or empty")
        if f is not None:
            factors[key] = f
            if use == "true":
                if f.mode in modes:
                    r.bad(line, "use_for_mode", f"mode {f.mode} already uses factor {modes[f.mode]}")
                modes[f.mode] = key
    r.done()
    return None, factors, modes


def read_table(text: str, file: str, base: FactorTable | None = None) -> FactorTable:
    """A factor table from YAML or CSV text (by the file's suffix), laid over ``base`` by key."""
    reader = _read_csv if file.lower().endswith(".csv") else _read_yaml
    version, factors, modes = reader(text, file)
    all_factors = dict(base.factors) if base else {}
    all_factors.update(factors)
    all_modes = dict(base.modes) if base else {m: None for m in MODES}
    all_modes.update(modes)
    bad = [Problem(file, None, f"modes.{m}", f"names factor {k!r}, which neither this file nor the packaged "
                   "table defines") for m, k in all_modes.items() if k is not None and k not in all_factors]
    bad += [Problem(file, None, f"modes.{m}", f"factor {k!r} is for mode {all_factors[k].mode}, not {m}")
            for m, k in all_modes.items() if k in all_factors and all_factors[k].mode != m]
    if bad:
        raise InputError(bad)
    name = version or Path(file).name
    if base is not None:
        name = f"{base.version} overridden by {name}"
    return FactorTable(name, MappingProxyType(all_factors), MappingProxyType(all_modes))


def packaged_table() -> FactorTable:
    """The shipped factors (data/transport_factors.yaml)."""
    text = (package_data_dir() / "transport_factors.yaml").read_text(encoding="utf-8")
    return read_table(text, "transport_factors.yaml")


def load_table(path: Path | str | None = None) -> FactorTable:
    """The packaged factors, overridden by key by the user's file at ``path`` (YAML or CSV)."""
    table = packaged_table()
    if path is None:
        return table
    p = Path(path)
    try:
        if not p.is_file():
            raise InputError(Problem(str(p), None, None, "emission-factor file not found (or not a regular file)"))
        if p.stat().st_size > MAX_FILE_BYTES:
            raise InputError(Problem(str(p), None, None, f"larger than {MAX_FILE_BYTES:,} bytes"))
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(Problem(str(p), None, None, f"cannot read: {e}")) from None
    return read_table(text, str(p), table)



__all__ = ["Factor", "FactorTable", "complete", "read_table", "packaged_table", "load_table"]
