"""Reasoning: OWL 2 RL engines (engine) and the reason stage (stage).

Inferred triples are kept apart from asserted ones, in their own named graph.
"""
from __future__ import annotations

from ..store.meta import inferred_status
from .engine import DEFAULT_ENGINE, ENGINES, Engine, Inference, OwlrlEngine, RulesEngine, get_engine, is_noise
from .sparql_engine import SparqlEngine
from .stage import ReasonResult, default_engine, read_graph, reason

__all__ = ["DEFAULT_ENGINE", "ENGINES", "Engine", "Inference", "OwlrlEngine", "ReasonResult", "RulesEngine",
           "SparqlEngine", "default_engine", "get_engine", "inferred_status", "is_noise", "read_graph", "reason"]
