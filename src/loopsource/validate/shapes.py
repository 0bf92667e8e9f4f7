"""Shapes: the built-in profiles, users' shapes files, and what loopsource reads from them.

Shapes conventions (see ontology/shapes/data-quality.ttl): ``ls:ruleCode``, ``dcterms:source``,
``sh:message`` with ``{$this}``, ``{?value}``, ``{$path}``, ``{?detail}``, and optional
``ls:inForceFrom`` / ``ls:inForceUntil`` dates compared with ``as_of``. A property shape, or
a member of ``sh:or``/``sh:and``/..., inherits the code and source of the shape that uses it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from .. import resources
from ..errors import ShapesError, UsageError
from .policy import Policy, load_policy, policy_turtle
from .results import Rule
from .settings import Settings
from .terms import DCT_SOURCE, DEFERRED_BY, IN_FORCE_FROM, IN_FORCE_UNTIL, RULE_CODE, local_name, to_rdflib

PROFILES: dict[str, str] = {
    "data-quality": "required values, datatypes, ranges and references; sites without coordinates and "
                    "purchases without a recycled/reused declaration as warnings (always on)",
    "eu-crma": "Critical Raw Materials Act (EU) 2024/1252: at most 65 % of a strategic raw material per "
               "year from one non-EU country (Art. 5(1)); critical raw material share of inflow (info)",
    "eu-batteries": "Batteries Regulation (EU) 2023/1542 Art. 8: minimum recycled cobalt, lithium, nickel "
                    "and lead in EV, industrial, LMT and SLI batteries, in force on --as-of",
    "eu-ppwr": "Packaging Regulation (EU) 2025/40 Art. 7: minimum recycled content of plastic packaging "
               "(2030 and 2040 targets), in force on --as-of",
    "esrs-e5": "ESRS E5 (Delegated Regulation (EU) 2023/2772): completeness of the data for E5-4 resource "
               "inflows and E5-5 resource outflows (warnings)",
    "policy": "the company's own rules from a policy file (--policy): local share per plant, supplier "
              "concentration (HHI), dual sourcing",
}
ALWAYS_ON = "data-quality"
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_USER_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".turtle": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
                 ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML,
                 ".jsonld": ox.RdfFormat.JSON_LD}


@dataclass(frozen=True)
class ShapeInfo:
    profile: str
    code: str
    source: str


@dataclass(frozen=True)
class Shapes:
    """One shapes graph for a validation run, with who each shape belongs to and the rules in force."""

    graph: rdflib.Graph
    info: dict[Any, ShapeInfo]
    rules: list[Rule]


def profile_rank(p: str) -> tuple[int, str]:
    """Sort key: built-in profiles in PROFILES order, then users' files by name."""
    names = list(PROFILES)
    return (names.index(p), p) if p in names else (len(names), p)


# ---------------------------------------------------------------------------- reading
def parse_shapes_text(text: str, name: str, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> rdflib.Graph:
    """Parse with pyoxigraph (no entity expansion, no network, no local file reads), then hand
    the triples to rdflib: users' shapes files are untrusted input."""
    g = rdflib.Graph()
    try:
        triples = [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(text, format=fmt)]
    except SyntaxError as e:
        raise ShapesError(f"{name}: not valid {fmt.name}: {e}") from None
    bnodes: dict[str, BNode] = {}
    for t in triples:
        g.add((to_rdflib(t.subject, bnodes), to_rdflib(t.predicate, bnodes), to_rdflib(t.object, bnodes)))
    return g


def read_shapes_file(path: Path) -> rdflib.Graph:
    """A user's shapes file (Turtle by default; .nt, .rdf/.owl/.xml, .jsonld by suffix)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ShapesError(f"{path}: cannot read the shapes file: {e}") from None
    fmt = _USER_FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
    if fmt == ox.RdfFormat.RDF_XML:
        reject_xml_entities(text, str(path))
    return parse_shapes_text(text, str(path), fmt)


def reject_xml_entities(text: str, source: str) -> None:
    """Refuse RDF/XML that declares entities or a DTD before any RDF parser sees it.

    pyoxigraph's RDF/XML parser expands internal entities: a 'billion laughs' document of
    1 KB took 1.2 GB of memory in a test. defusedxml's parser forbids such declarations and
    external entities (local-file reads) outright.
    """
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    try:
        safe_et.fromstring(text.encode("utf-8"), forbid_dtd=True)
    except DefusedXmlException as e:
        raise ShapesError(f"{source}: refused: the RDF/XML declares a DTD or entities ({type(e).__name__})") from None
    except safe_et.ParseError as e:
        raise ShapesError(f"{source}: not well-formed XML: {e}") from None


def profile_shapes(profile: str, policy: Path | Policy | None = None) -> rdflib.Graph:
    """The shapes graph of one built-in profile (policy: generated from the policy, a file or
    one already read)."""
    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}: one of {', '.join(PROFILES)}")
    if profile == "policy":
        if policy is None:
            return rdflib.Graph()
        pol = policy if isinstance(policy, Policy) else load_policy(policy)
        return parse_shapes_text(policy_turtle(pol), f"{pol.file} (generated shapes)")
    name = f"{profile}.ttl"
    try:
        text = resources.read_text(resources.shapes_dir(), name)
    except OSError as e:
        raise ShapesError(f"shapes of profile {profile!r} ({name}) are missing from this installation: {e}") from None
    return parse_shapes_text(text, name)


# ---------------------------------------------------------------------------- structure and tags
def shape_nodes(g: rdflib.Graph) -> tuple[set[Any], dict[Any, Any]]:
    """Node shapes (targets or typed) and property shapes with their parent shape."""
    nodes: set[Any] = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    for p in _TARGETS:
        nodes |= set(g.subjects(p, None))
    parent: dict[Any, Any] = {}
    for s, o in g.subject_objects(SH.property):
        parent[o] = s
        nodes.add(o)
    for s in g.subjects(SH.path, None):
        nodes.add(s)
    # members of sh:or/sh:and/sh:xone/sh:not/sh:node belong to the shape that uses them
    for p in (SH["or"], SH["and"], SH.xone):
        for s, head in g.subject_objects(p):
            for m in Collection(g, head):
                parent.setdefault(m, s)
    for p in (SH["not"], SH.node, SH.qualifiedValueShape):
        for s, o in g.subject_objects(p):
            parent.setdefault(o, s)
    return nodes, parent


def _top(shape: Any, parent: dict[Any, Any]) -> Any:
    """The top-level shape that ``shape`` belongs to (at most 20 levels up: shapes may be cyclic)."""
    top = shape
    for _ in range(20):
        if top not in parent:
            break
        top = parent[top]
    return top


def _tag_shapes(g: rdflib.Graph, profile: str, fallback: str) -> dict[Any, ShapeInfo]:
    """Profile, rule code and source of every shape in ``g`` (property shapes inherit)."""
    nodes, parent = shape_nodes(g)
    info: dict[Any, ShapeInfo] = {}

    def lookup(n: Any, pred: URIRef, depth: int = 0) -> str | None:
        v = g.value(n, pred)
        if v is not None:
            return str(v)
        if n in parent and depth < 20:
            return lookup(parent[n], pred, depth + 1)
        return None

    for n in nodes | set(parent):
        code = lookup(n, RULE_CODE)
        if code is None:
            top = _top(n, parent)
            code = local_name(str(top)) if isinstance(top, URIRef) else fallback
        srcs, m = list(g.objects(n, DCT_SOURCE)), n
        while not srcs and m in parent:
            m = parent[m]
            srcs = list(g.objects(m, DCT_SOURCE))
        texts = sorted(str(x) for x in srcs if isinstance(x, Literal)) or sorted(str(x) for x in srcs)
        info[n] = ShapeInfo(profile, code, "; ".join(texts))
    return info


def in_force_from(g: rdflib.Graph, shape: Any, settings: Settings) -> date | None:
    """The day a shape starts to apply: ls:inForceFrom, moved by ls:deferredBy (an act's date
    setting, later-of rule) when the settings give that date."""
    start, deferred = g.value(shape, IN_FORCE_FROM), g.value(shape, DEFERRED_BY)
    if start is None:
        return None
    try:
        return settings.start(date.fromisoformat(str(start)), str(deferred) if deferred is not None else None)
    except ValueError as e:
        raise ShapesError(f"shape {shape}: ls:inForceFrom must be xsd:date: {e}") from None


def _in_force(g: rdflib.Graph, shape: Any, as_of: date, settings: Settings) -> bool:
    start, end = in_force_from(g, shape, settings), g.value(shape, IN_FORCE_UNTIL)
    try:
        if start is not None and as_of < start:
            return False
        if end is not None and as_of >= date.fromisoformat(str(end)):
            return False
    except ValueError as e:
        raise ShapesError(f"shape {shape}: ls:inForceFrom/ls:inForceUntil must be xsd:date: {e}") from None
    return True


def load_shapes(profiles: Sequence[str], shapes_files: Sequence[Path], as_of: date,
                policy: Path | Policy | None, settings: Settings | None = None) -> Shapes:
    """One shapes graph for all selected profiles and user files, with shapes not in force on
    ``as_of`` deactivated, and the profile/code/source of every shape."""
    settings = settings or Settings()
    merged = rdflib.Graph()
    info: dict[Any, ShapeInfo] = {}
    parts: list[tuple[str, rdflib.Graph]] = [(p, profile_shapes(p, policy)) for p in profiles]
    parts += [(f"user:{Path(f).name}", read_shapes_file(Path(f))) for f in shapes_files]
    rules: dict[tuple[str, str], Rule] = {}
    for profile, g in parts:
        tags = _tag_shapes(g, profile, "USER-SHAPE")
        nodes, parent = shape_nodes(g)
        for shape in nodes:
            if shape not in parent and not _in_force(g, shape, as_of, settings):
                g.add((shape, SH.deactivated, Literal(True)))
        deactivated = set(g.subjects(SH.deactivated, Literal(True)))
        for shape, t in tags.items():
            if _top(shape, parent) not in deactivated and shape not in deactivated:
                rules.setdefault((t.profile, t.code), Rule(t.profile, t.code, t.source))
        info.update(tags)
        merged += g
    return Shapes(merged, info, sorted(rules.values(), key=lambda r: (profile_rank(r.profile), r.code)))
