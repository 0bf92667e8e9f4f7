"""Glocal network design: sourcing hubs, market assignment and multi-local production (issue 17).

A self-contained optimisation core: build an :class:`Instance` from plain dataclasses, then
``solve(instance, settings)`` (a MILP solved by HiGHS through scipy.optimize.milp) and
``baseline(instance, settings)`` (today's network) give two comparable NetworkSolutions.
"""
from .errors import InfeasibleError, NetworkError
from .figures import NetworkFigures, ObjectiveWeights, evaluate, objective_weights
from .model import (Hub, Instance, Market, ModeFactors, Plant, PlantProduct, Point, Settings,
                    SupplierFlow, great_circle_km, iso14083_mode)
from .solve import ModelStats, NetworkSolution, baseline, solve

__all__ = ["InfeasibleError", "NetworkError", "NetworkFigures", "ObjectiveWeights", "evaluate",
           "objective_weights", "Hub", "Instance", "Market", "ModeFactors", "Plant", "PlantProduct",
           "Point", "Settings", "SupplierFlow", "great_circle_km", "iso14083_mode", "ModelStats",
           "NetworkSolution", "baseline", "solve"]
