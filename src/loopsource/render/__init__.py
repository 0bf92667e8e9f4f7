"""Rendering: HTML and JSON outputs of the report, validation and scenarios (one Jinja environment)."""
from __future__ import annotations


__all__ = []
