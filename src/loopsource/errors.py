"""Errors raised by the library. Only the CLI maps them to exit codes.

Every error carries a message meant for a person: it names the file, line, column or IRI
involved and the reason, so that the CLI can print it without a traceback.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


def did_you_mean(value: str, names: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when one of ``names`` is close to ``value``, else ``""`` (the one
    suggestion rule of every error message that names an unknown key or value)."""
    close = difflib.get_close_matches(str(value), [str(n) for n in names], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class LoopsourceError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with (2: bad usage or input)."""

    exit_code: int = 2


class UsageError(LoopsourceError):
    """A command was called with options that do not fit together or name nothing."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, reported as ``FILE:LINE: column COLUMN: reason``."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        col = f" column {self.column}:" if self.column else ""
        return f"{where}:{col} {self.reason}"


class InputError(LoopsourceError):
    """Bad input data. Holds every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("input", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(LoopsourceError):
    """An output cannot be written where asked: the path is not a regular file of ours
    (a folder, FIFO, device or a symlink to one), or the disk refused (full, read-only)."""


class StoreError(LoopsourceError):
    """The graph store cannot be opened, read or written."""


class EndpointError(StoreError):
    """A remote SPARQL endpoint refused, timed out, or answered with an HTTP error."""


class QueryError(LoopsourceError):
    """A catalogue query, its header or its parameters are malformed."""


class QueryTimeout(LoopsourceError):
    """A query ran past its time limit (``--timeout``) or was interrupted."""


class ShapesError(LoopsourceError):
    """A shapes file or a profile cannot be read."""


class ScenarioError(LoopsourceError):
    """A scenario file is malformed. Holds every problem found (``FILE:LINE: reason`` each), one
    per line of the message."""

    def __init__(self, message: str | list[str]):
        self.problems: list[str] = [message] if isinstance(message, str) else list(message)
        super().__init__("\n".join(self.problems))


class TenderError(LoopsourceError):
    """A tender's criteria file is malformed or does not fit its bids or the graph."""


class PassportError(LoopsourceError):
    """A product passport cannot be made, signed or checked against a schema."""
