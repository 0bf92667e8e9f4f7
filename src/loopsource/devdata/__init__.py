"""Development data: the deterministic generator of realistic procurement data, and its city table."""
from __future__ import annotations


__all__ = []
