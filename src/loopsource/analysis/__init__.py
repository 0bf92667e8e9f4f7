"""Analysis: a typed snapshot of the graph and the indicators computed from it."""
from __future__ import annotations


__all__ = []
