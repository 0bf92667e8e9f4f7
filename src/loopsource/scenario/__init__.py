"""Scenarios: what-if operations (shift, add-source, reshore, nearshore, disrupt, loop) compared side by side.

parse (scenario files, with line numbers) -> apply (operations on a copy of the flows) ->
indicators (the figures compared, and the scenario document); factors holds the transport
emission factors. The HTML page is rendered by ``loopsource.render.scenario`` (rendering
comes after this stage in the import order).
"""
from __future__ import annotations

from .apply import OperationResult, ScenarioResult, UnmetDemand, apply_scenario
from .factors import EmissionFactors, load_factors
from .indicators import CRMA_MAX_SINGLE_COUNTRY_SHARE, compare, crma, delta, indicators, scorecard
from .parse import Operation, Scenario, check_scenario, load_scenario, parse_scenario, region_matcher

__all__ = ["Operation", "Scenario", "parse_scenario", "region_matcher", "check_scenario", "load_scenario",
           "EmissionFactors", "load_factors", "UnmetDemand", "OperationResult", "ScenarioResult", "apply_scenario",
           "crma", "indicators", "delta", "scorecard", "compare", "CRMA_MAX_SINGLE_COUNTRY_SHARE"]
