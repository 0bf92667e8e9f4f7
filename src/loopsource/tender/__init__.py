"""Tenders: bids scored against circular award criteria, with knock-outs checked by SHACL.

criteria (the YAML file) -> knockout (SHACL shapes generated from it, run with pySHACL) ->
figures (each bid measured as the purchase it would become, and the award as a scenario) ->
score (the documented formulas) -> evaluate (the tender document). The HTML page is rendered
by ``loopsource.render.tender``.
"""
from __future__ import annotations

from .criteria import AWARD, REQUIREMENTS, AwardCriterion, Criteria, Lot, Requirement, parse_criteria
from .evaluate import TenderInput, evaluate, read_tender
from .knockout import KnockOut, check_bids, knockout_shapes
from .score import FORMULAS, highest_ratio, linear_low, lowest_ratio

__all__ = ["AWARD", "REQUIREMENTS", "AwardCriterion", "Criteria", "Lot", "Requirement", "parse_criteria",
           "TenderInput", "evaluate", "read_tender", "KnockOut", "check_bids", "knockout_shapes", "FORMULAS",
           "highest_ratio", "linear_low", "lowest_ratio"]
