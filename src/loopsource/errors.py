"""Errors raised by the library. Only the CLI maps them to exit codes.

Every error carries a message meant for a person: it names the file, line, column or IRI
involved and the reason, so that the CLI can print it without a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass


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
    """A scenario file is malformed."""


class TenderError(LoopsourceError):
    """A tender's criteria file is malformed or does not fit its bids or the graph."""


class PassportError(LoopsourceError):
    """A product passport cannot be made, signed or checked against a schema."""
