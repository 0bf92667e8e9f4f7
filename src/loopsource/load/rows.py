"""One CSV record being checked (typed readers that collect problems instead of raising),
and the index of ids seen per entity kind."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..errors import Problem

# Numbers in CSV cells: ASCII digits, an optional sign, point and exponent of up to 4 digits.
# Not accepted: thousands separators, '1_000' (Python), non-ASCII digits, inf, nan, hex.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
# The physical bound of any quantity (kg, money, days ...) unless a column has a tighter one:
# 1e12 kg is a million tonnes in one row. Sums of a million such rows stay below 1e20, inside
# Oxigraph's xsd:decimal (128 bits, 18 decimal places, about ±1.7e20).
MAX_VALUE = Decimal("1e12")
MAX_DECIMALS = 18


class Row:
    """One CSV record being checked: collects triples and problems for that record only."""

    __slots__ = ("file", "line", "values", "problems", "lines", "subject", "follow_on")

    def __init__(self, file: str, line: int, values: dict[str, str]):
        self.file = file
        self.line = line
        self.values = values
        self.problems: list[Problem] = []
        self.lines: list[str] = []
        self.subject = ""
        self.follow_on = False  # refers into a file that could not be read: rejected, not reported

    def bad(self, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, reason))

    def emit(self, p: str, o: str) -> None:
        self.lines.append(f"<{self.subject}> {p} {o} .\n")

    def text(self, column: str, required: bool = True) -> str | None:
        v = self.values[column].strip()
        if not v:
            if required:
                self.bad(column, "value is required")
            return None
        return v

    def number(self, column: str, *, required: bool = True, positive: bool = False, non_negative: bool = False,
               share: bool = False, lo: Decimal | None = None, hi: Decimal | None = None) -> Decimal | None:
        """A number by the strict grammar (:data:`NUMBER`), within ``[lo, hi]`` (by default the
        physical bound ``±MAX_VALUE``) and with at most ``MAX_DECIMALS`` decimal places, so that
        every later stage (Oxigraph's 128-bit decimals, JSON, the report) can compute with it."""
        raw = self.text(column, required)
        if raw is None:
            return None
        if not NUMBER.fullmatch(raw):
            self.bad(column, f"{raw[:40]!r} is not a number (plain decimal digits 0-9 with an optional '.' and "
                             "exponent, e.g. 1250.5 or 1.2e3; no thousands separators)")
            return None
        d = Decimal(raw)
        lo_, hi_ = (-MAX_VALUE if lo is None else lo), (MAX_VALUE if hi is None else hi)
        if positive and d <= 0:
            self.bad(column, f"{raw} must be greater than 0")
        elif non_negative and d < 0:
            self.bad(column, f"{raw} must not be negative")
        elif share and not (0 <= d <= 1):
            self.bad(column, f"share {raw} is outside [0, 1] (write fractions, e.g. 0.25 for 25 %)")
        elif not (lo_ <= d <= hi_):
            self.bad(column, f"{raw} is outside [{lo_:,}, {hi_:,}]" if lo is not None or hi is not None else
                     f"{raw} is beyond the bound of {MAX_VALUE:,.0f} for any quantity (docs/security.md)")
        elif d and -d.normalize().as_tuple().exponent > MAX_DECIMALS:  # type: ignore[operator]
            self.bad(column, f"{raw} has more than {MAX_DECIMALS} digits after the decimal point")
        else:
            return d
        return None

    def day(self, column: str) -> date | None:
        raw = self.text(column)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.bad(column, f"{raw!r} is not an ISO 8601 date (YYYY-MM-DD)")
            return None

    def choice(self, column: str, options: dict[str, str], what: str, required: bool = True) -> str | None:
        raw = self.text(column, required)
        if raw is None:
            return None
        if raw in options:
            return options[raw]
        close = difflib.get_close_matches(raw, list(options), n=1, cutoff=0.5)
        if not close:
            folded = {k.lower(): k for k in options}
            close = [folded[raw.lower()]] if raw.lower() in folded else []
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listing = "" if len(options) > 12 else f" (one of {', '.join(sorted(options))})"
        self.bad(column, f"unknown {what} {raw!r}{hint}{listing}")
        return None


@dataclass
class IdIndex:
    """Ids seen per entity kind: valid ones can be referenced; all are checked for duplicates."""

    valid: dict[str, dict[str, int]] = field(default_factory=dict)
    seen: dict[str, dict[str, int]] = field(default_factory=dict)

    def register(self, kind: str, key: str, row: Row, column: str) -> bool:
        seen = self.seen.setdefault(kind, {})
        if key in seen:
            row.bad(column, f"duplicate id {key!r} (first at line {seen[key]})")
            return False
        seen[key] = row.line
        return True
