"""Validate stage: SHACL profiles (data quality, EU CRMA, Batteries, PPWR, ESRS E5, company
policy) run with pySHACL on the store's data, inference off.

Design, and why (numbers in bench/README.md, section "Validation"):

* **Aggregates** (shares, concentrations, supplier counts) are computed in Python from the
  predicates they need, each read from the store once (SPARQL GROUP BY over 50,000
  purchases took 10 s and more on the on-disk store), and *materialised* as small
  aggregate nodes (classes in the ``lsv:`` namespace) that plain SHACL Core shapes check.
  Thresholds, severities, dates in force, codes and messages therefore all live in the
  Turtle shapes files; Python only sums.
* **What pySHACL sees.** Converting a 10^6-triple store into an rdflib graph costs more than
  a minute (measured: 34 s to fetch 1.0M rows through SPARQL, 43 s to add them to an
  rdflib Memory graph), and pySHACL on the pyoxigraph store is ~50x slower than on
  rdflib. So pySHACL gets a *targeted subgraph* of candidate focus nodes, and the whole
  graph only when shapes are not local (SHACL-SPARQL, SHACL-AF rules, closed shapes).
* **Stale inferred graph**: validation then reads the ontology and asserted graphs only and
  says so on stderr.

Modules, in the order a run uses them:

* ``shapes``: the built-in profiles and users' files, parsed safely, tagged with profile,
  code and source, deactivated when not in force on ``as_of``;
* ``policy``: the company policy file (YAML) and the shapes generated from it;
* ``index``: the triples validation needs, read once per predicate from the store;
* ``facts``: purchases, materials, products, sites and upstream links as plain records;
* ``crma``, ``concentration``, ``recycled``: the one definition of the CRMA classification and
  concentration, of the HHI and its bands, and of the Batteries Art. 8 / PPWR Art. 7 scope,
  unit of assessment and evidence (used by analysis and scenario too; docs/compliance.md);
* ``settings``: dates of pending EU acts, HHI bands, evidence rules (``--settings FILE``);
* ``aggregates``: the ``lsv:`` aggregate nodes;
* ``candidates``: candidate focus nodes and the subgraph pySHACL validates;
* ``engine``: ``validate`` itself and the naming of results;
* ``results`` and ``formats``: the report and its text, JSON, Turtle and JUnit forms (the HTML
  page is rendered by ``loopsource.render.validation``, a later stage).
"""
from __future__ import annotations

from .engine import resolve_profiles, validate
from .formats import FORMATS, render, summary_line
from .policy import load_policy, policy_turtle
from .results import Rule, ValidationReport, ValidationResult
from .shapes import PROFILES

__all__ = ["PROFILES", "ValidationResult", "ValidationReport", "Rule", "validate", "render", "FORMATS",
           "load_policy", "policy_turtle", "summary_line", "resolve_profiles"]
