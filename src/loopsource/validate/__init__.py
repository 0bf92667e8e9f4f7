"""Validate stage: SHACL profiles (data quality, EU law, company policy) over a store."""
from __future__ import annotations

from .core import PROFILES, ValidationResult, ValidationReport, Rule, validate, render, FORMATS, load_policy, policy_turtle, summary_line, resolve_profiles

__all__ = ["PROFILES", "ValidationResult", "ValidationReport", "Rule", "validate", "render", "FORMATS", "load_policy", "policy_turtle", "summary_line", "resolve_profiles"]
