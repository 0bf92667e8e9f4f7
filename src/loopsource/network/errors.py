"""Errors of the network optimisation core.

Both derive from :class:`loopsource.errors.LoopsourceError`, so the CLI maps them to exit
code 2 like every other bad-input error, with the message printed as is.
"""
from __future__ import annotations

from loopsource.errors import LoopsourceError


class NetworkError(LoopsourceError):
    """The network model cannot be built or solved. ``constraint`` names what is at fault."""

    def __init__(self, message: str, constraint: str | None = None):
        super().__init__(message)
        self.constraint = constraint


class InfeasibleError(NetworkError):
    """No network meets the constraints; ``constraint`` names the constraint family
    (``service distance``, ``plant capacity``, ``production``, ``hub capacity``, ``max_hubs``
    or ``combined``)."""
