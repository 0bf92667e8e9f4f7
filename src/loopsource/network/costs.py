"""Transport cost per tonne-km per mode (data/transport_costs.yaml, overridable with --costs), and
the ModeFactors of a network: cost in the reporting currency, emission factor, ISO 14083 distance.

Currencies. Costs are added up in one currency. With an fx.csv (rates = reporting-currency
units per unit of a currency) every cost is converted with it, so the cost table's currency and
every hub's currency need a rate; without one they must all be the same currency. Anything
else is an error naming the hub and currency: a cost objective over mixed currencies would
be meaningless.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..resources import transport_costs_text
from .errors import NetworkError
from .model import ISO14083_DAF, ModeFactors, iso14083_mode


@dataclass(frozen=True)
class CostTable:
    version: str
    currency: str
    per_tkm: Mapping[str, float]  # transport mode -> currency units per tonne-km
    sources: Mapping[str, str]


def _read(text: str, file: str, base: CostTable | None) -> CostTable:
    try:
        root = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise NetworkError(f"{file}:{mark.line + 1 if mark else 1}: not valid YAML: {e.problem or e.context}",
                           "input") from None
    except yaml.YAMLError as e:
        raise NetworkError(f"{file}: not valid YAML: {e}", "input") from None
    if not isinstance(root, dict) or not isinstance(root.get("modes"), dict):
        raise NetworkError(f"{file}: a cost file is a mapping with 'currency' and 'modes'", "input")
    currency = str(root.get("currency") or (base.currency if base else ""))
    if base is not None and currency != base.currency:
        raise NetworkError(f"{file}: currency {currency} differs from the defaults' {base.currency}: give every "
                           "mode in one file per currency, or keep the defaults' currency", "input")
    costs = dict(base.per_tkm) if base else {}
    sources = dict(base.sources) if base else {}
    for mode, entry in root["modes"].items():
        if mode not in ISO14083_DAF:
            raise NetworkError(f"{file}: modes: unknown transport mode {mode!r}; known: "
                               f"{', '.join(ISO14083_DAF)}", "input")
        value = entry.get("per_tkm") if isinstance(entry, dict) else entry
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise NetworkError(f"{file}: modes: {mode}: per_tkm must be a number >= 0, not {value!r}", "input")
        costs[mode] = float(value)
        sources[mode] = str(entry.get("source", file)) if isinstance(entry, dict) else file
    version = str(root.get("version", file))
    return CostTable(f"{base.version} overridden by {version}" if base else version, currency, costs, sources)


def load_costs(path: Path | str | None = None) -> CostTable:
    """The packaged defaults, overridden mode by mode by ``path``."""
    table = _read(transport_costs_text(), "transport_costs.yaml", None)
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise NetworkError(f"{path}: cannot read transport costs: {e}", "input") from None
        table = _read(text, str(path), table)
    return table


@dataclass(frozen=True)
class Money:
    """How amounts in any currency become reporting-currency amounts."""

    currency: str           # the label of the reporting currency
    rates: Mapping[str, float] | None  # None: no conversion, one currency only

    def factor(self, currency: str, what: str) -> float:
        if self.rates is None:
            if currency != self.currency:
                raise NetworkError(f"{what}: amounts in {currency} cannot be added to transport costs in "
                                   f"{self.currency}; give fx.csv a rate for both", "input")
            return 1.0
        if currency not in self.rates:
            raise NetworkError(f"{what}: no fx.csv rate for {currency}, so its amounts cannot be added to the "
                               "others", "input")
        return self.rates[currency]


def money(costs: CostTable, fx: Mapping[str, float]) -> Money:
    """The reporting currency: fx.csv's (its currency at rate 1 names it), else the cost table's."""
    if not fx:
        return Money(costs.currency, None)
    unit = next((c for c, r in sorted(fx.items()) if r == 1.0), "reporting currency")
    return Money(unit, dict(fx))


def mode_factors(costs: CostTable, g_per_tkm: Mapping[str, float | None], cash: Money
                 ) -> tuple[dict[str, ModeFactors], tuple[str, ...]]:
    """ModeFactors of every mode with a cost (ISO 14083 distance adjustment), and the modes
    without an emission factor (their emissions count as 0 and are named in a warning)."""
    rate = cash.factor(costs.currency, "transport cost table")
    out, missing = {}, []
    for mode, cost in costs.per_tkm.items():
        g = g_per_tkm.get(mode)
        if g is None:
            missing.append(mode)
        out[mode] = iso14083_mode(mode, cost * rate, (g or 0.0) / 1000.0)
    return out, tuple(sorted(missing))
