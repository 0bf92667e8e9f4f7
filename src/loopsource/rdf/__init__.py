"""RDF helpers used by every stage: vocabulary, N-Triples terms, SPARQL text."""
from __future__ import annotations


__all__ = []
