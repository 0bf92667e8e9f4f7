"""One CSV record being checked (typed readers that collect problems instead of raising),
and the index of ids seen per entity kind."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ..errors import Problem


class Row:
    """One CSV record being checked: collects triples and problems for that record only."""

    __slots__ = ("file", "line", "values", "problems", "lines", "subject")

    def __init__(self, file: str, line: int, values: dict[str, str]):
        self.file = file
        self.line = line
        self.values = values
        self.problems: list[Problem] = []
        self.lines: list[str] = []
        self.subject = ""

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
        raw = self.text(column, required)
        if raw is None:
            return None
        try:
            d = Decimal(raw)
        except InvalidOperation:
            self.bad(column, f"{raw!r} is not a number")
            return None
        if not d.is_finite():
            self.bad(column, f"{raw!r} is not a finite number")
            return None
        if positive and d <= 0:
            self.bad(column, f"{raw} must be greater than 0")
        elif non_negative and d < 0:
            self.bad(column, f"{raw} must not be negative")
        elif share and not (0 <= d <= 1):
            self.bad(column, f"share {raw} is outside [0, 1] (write fractions, e.g. 0.25 for 25 %)")
        elif lo is not None and hi is not None and not (lo <= d <= hi):
            self.bad(column, f"{raw} is outside [{lo}, {hi}]")
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
