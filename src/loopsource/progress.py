"""Progress of long stages: what the stage is doing, how fast (rows or triples per second) and,
where the total is known, how long it has left.

The library reports through a callback (``Progress``: a function taking a ``Tick``) and never
prints: build, reason, validate and the report take ``on_progress=`` and call it at their steps.
The command line passes a ``Meter`` when stderr is a terminal, and ``silent`` in pipes and
under CI (``CI=true``), so logs stay clean there. A foundation module: no imports from the
package, no click.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Tick:
    """One progress report: ``done`` of ``total`` (None: unknown) ``unit`` in ``step`` of ``stage``.
    ``final`` closes the step (its line is kept; the next step starts a new one)."""

    stage: str  # build, reason, validate, report
    step: str  # e.g. "loading triples", "pySHACL"
    done: int = 0
    total: int | None = None
    unit: str = ""  # rows, triples, purchases ...
    final: bool = False


Progress = Callable[[Tick], None]


def silent(_tick: Tick) -> None:
    """The default callback: no output."""


def wanted(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """Progress goes to ``stream`` only when it is a terminal and this is not a CI run."""
    env = os.environ if environ is None else environ
    if env.get("CI", "").strip().lower() in ("true", "1", "yes"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _duration(s: float) -> str:
    s = max(0, int(round(s)))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


class Meter:
    """Writes ticks to a terminal as one line per step, rewritten in place (carriage return) at
    most every ``interval`` seconds: ``build: loading triples  120,000 triples  60,000 triples/s``,
    with ``n / total`` and ``ETA`` when the total is known. A final tick ends the line."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.25,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.clock = clock
        self._key: tuple[str, str] | None = None
        self._start = 0.0
        self._last = -1e9
        self._width = 0

    def line(self, tick: Tick, elapsed: float) -> str:
        """The text shown for ``tick`` after ``elapsed`` seconds of its step."""
        parts = [f"{tick.stage}: {tick.step}"]
        if tick.total is not None:
            parts.append(f"{_n(tick.done)} / {_n(tick.total)} {tick.unit}".rstrip())
        elif tick.done:
            parts.append(f"{_n(tick.done)} {tick.unit}".rstrip())
        if tick.done and elapsed > 0:
            rate = tick.done / elapsed
            parts.append(f"{_n(rate)} {tick.unit or 'items'}/s")
            if tick.total is not None and not tick.final and rate > 0:
                parts.append(f"ETA {_duration((tick.total - tick.done) / rate)}")
        if tick.final:
            parts.append(f"done in {elapsed:.1f}s")
        return "  ".join(parts)

    def __call__(self, tick: Tick) -> None:
        now = self.clock()
        key = (tick.stage, tick.step)
        if key != self._key:
            if self._key is not None and self._width:
                self.stream.write("\n")  # keep the last line of the previous step
            self._key, self._start, self._last, self._width = key, now, -1e9, 0
        if not tick.final and now - self._last < self.interval:
            return
        self._last = now
        text = self.line(tick, now - self._start)
        self.stream.write("\r" + text + " " * max(0, self._width - len(text)))
        self._width = len(text)
        if tick.final:
            self.stream.write("\n")
            self._key, self._width = None, 0
        self.stream.flush()


def for_stream(stream: TextIO | None = None, environ: dict[str, str] | None = None) -> Progress:
    """A Meter on ``stream`` (default stderr) when progress is wanted there, else ``silent``."""
    stream = stream if stream is not None else sys.stderr
    return Meter(stream) if wanted(stream, environ) else silent


def counting(on_progress: Progress, stage: str, step: str, unit: str,
             total: int | None = None) -> Callable[[int], None]:
    """A function that adds to a running count and reports it (for loops that see items one batch at a time)."""
    state = [0]

    def add(n: int) -> None:
        state[0] += n
        on_progress(Tick(stage, step, state[0], total, unit))

    return add


__all__ = ["Tick", "Progress", "silent", "wanted", "Meter", "for_stream", "counting"]
