"""Scenarios: what-if operations (shift, add-source, reshore, nearshore, disrupt, loop) compared side by side."""
from __future__ import annotations

from .core import Operation, Scenario, parse_scenario, region_matcher, check_scenario, load_scenario, EmissionFactors, load_factors, UnmetDemand, OperationResult, ScenarioResult, apply_scenario, crma, indicators, delta, scorecard, compare, render_html, CRMA_MAX_SINGLE_COUNTRY_SHARE

__all__ = ["Operation", "Scenario", "parse_scenario", "region_matcher", "check_scenario", "load_scenario", "EmissionFactors", "load_factors", "UnmetDemand", "OperationResult", "ScenarioResult", "apply_scenario", "crma", "indicators", "delta", "scorecard", "compare", "render_html", "CRMA_MAX_SINGLE_COUNTRY_SHARE"]
