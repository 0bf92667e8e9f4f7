"""The period a report covers: the one definition of ``--year`` and ``--from/--to``.

A purchase or loop is in the period when its ``date`` (purchases.csv and loops.csv ``date``)
lies between the first and the last day, both included. ``--year YYYY`` is the calendar year
(1 January to 31 December); ``--from`` alone runs to the last date in the data, ``--to`` alone
from the first. metrics.json (``period``, ``meta.filters``), the report's header and the
year-over-year trends all select through :meth:`Period.contains`, so they count the same rows.

A foundation module (no imports from the package but errors): analysis, render and the CLI
all use it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .errors import UsageError


class NoDataError(UsageError):
    """The selected period (or site) holds no purchase and no loop: there are no figures to
    report, and writing a report of nulls would look like an answer (exit 2)."""


@dataclass(frozen=True)
class Period:
    """First and last day of the selection, both included; None: open at that end."""

    start: date | None = None
    end: date | None = None
    year: int | None = None  # set when the period is one calendar year (--year), for its label

    @classmethod
    def select(cls, *, year: int | None = None, start: date | None = None, end: date | None = None) -> Period:
        """The period of the CLI options; --year does not combine with --from/--to."""
        if year is not None:
            if start is not None or end is not None:
                raise UsageError("--year cannot be combined with --from/--to: give a year, or a range of dates")
            if not 1 <= year <= 9999:
                raise UsageError(f"--year {year}: not a calendar year (1-9999)")
            return cls(date(year, 1, 1), date(year, 12, 31), year)
        if start is not None and end is not None and start > end:
            raise UsageError(f"--from {start.isoformat()} is after --to {end.isoformat()}: nothing can be in between")
        return cls(start, end)

    @property
    def everything(self) -> bool:
        """True when nothing is left out (no --year, --from or --to)."""
        return self.start is None and self.end is None

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def label(self) -> str:
        """How the selection is written in the report and in messages."""
        if self.year is not None:
            return str(self.year)
        if self.start and self.end:
            return f"{self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"from {self.start.isoformat()}"
        if self.end:
            return f"up to {self.end.isoformat()}"
        return "all dates"

    def phrase(self) -> str:
        """The selection in a sentence: "in 2019", "from 2024-03-01 to 2024-06-30", ..."""
        if self.year is not None:
            return f"in {self.year}"
        if self.start and self.end:
            return f"from {self.start.isoformat()} to {self.end.isoformat()}"
        return self.label() if not self.everything else "at any date"

    def as_dict(self) -> dict[str, object]:
        """The selection as metrics.json records it (``meta.filters``): ISO dates or null."""
        return {"year": self.year, "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}


EVERYTHING = Period()


def covered(days: Iterable[date]) -> dict[str, object]:
    """The dates a selection actually covers: first and last day and the calendar years seen
    (metrics.json ``period``; null dates and no years when there is no row)."""
    ds = sorted(set(days))
    return {"first_date": ds[0].isoformat() if ds else None, "last_date": ds[-1].isoformat() if ds else None,
            "years": sorted({d.year for d in ds})}


def require_data(period: Period, all_days: Iterable[date]) -> None:
    """Called when ``period`` selected no purchase and no loop: raise NoDataError naming the
    dates the data does cover (an unfiltered selection of an empty store is left alone: its
    figures are null and its data gaps say why)."""
    if period.everything:
        return
    have = covered(all_days)
    span = (f"the data covers {have['first_date']} to {have['last_date']}" if have["first_date"]
            else "the store holds no purchases or loops")
    raise NoDataError(f"no purchases or loops dated {period.phrase()} ({span}); "
                      "no figures are reported for a period without data")


__all__ = ["Period", "EVERYTHING", "NoDataError", "covered", "require_data"]
