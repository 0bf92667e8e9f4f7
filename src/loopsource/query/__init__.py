"""Query stage: the catalogue of named SPARQL queries, typed parameters, result formats."""
from __future__ import annotations

from .catalogue import NamedQuery, Param, catalogue, resolve, parse_query, bind, to_term, run, run_update, format_table, RESULT_FORMATS, OUTPUT_FORMATS, PARAM_TYPES

__all__ = ["NamedQuery", "Param", "catalogue", "resolve", "parse_query", "bind", "to_term", "run", "run_update", "format_table", "RESULT_FORMATS", "OUTPUT_FORMATS", "PARAM_TYPES"]
