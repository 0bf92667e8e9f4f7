"""Validate stage: SHACL profiles (data quality, EU CRMA, Batteries, PPWR, ESRS E5, company
policy) run with pySHACL on the store's data, inference off.

Design, and why (numbers in bench/README.md, section "Validation"):

* **Aggregates** (shares, concentrations, supplier counts) are computed in Python from the
  predicates they need, each read from the store once (SPARQL GROUP BY over 50,000
  purchases took 10 s and more on the on-disk store), and *materialised* as small
  aggregate nodes (classes in the ``lsv:`` namespace) that plain SHACL Core shapes check
  (``sh:maxInclusive 0.65`` and so on). Thresholds, severities, dates in force, codes and
  messages therefore all live in the Turtle shapes files; Python only sums.
* **What pySHACL sees.** Converting a 10^6-triple store into an rdflib graph costs more than
  a minute (measured: 34 s to fetch 1.0M rows through SPARQL, 43 s to add them to an
  rdflib Memory graph), and pySHACL on the pyoxigraph store is ~50x slower than on
  rdflib. So pySHACL gets a *targeted subgraph*: the candidate focus nodes, found by SPARQL
  queries compiled from the shapes (a sound over-approximation: every node that can violate
  a constraint is a candidate; unsupported constraints make every focus node of the shape a
  candidate), described with the predicates the shapes mention, closed over the nodes they
  point to, plus rdfs:subClassOf and the aggregate nodes. pySHACL then gives the exact
  answer on that subgraph. Shapes that SHACL-SPARQL, SHACL-AF rules or closed shapes make
  non-local switch to the slow path (the whole union of graphs), with a warning.
* **Stale inferred graph**: validation then reads the ontology and asserted graphs only and
  says so on stderr (a read-only command does not reason behind the user's back). The
  built-in shapes do not need inferred triples (pySHACL follows rdfs:subClassOf itself and
  the aggregate queries use property paths), so only user shapes that rely on inferred
  triples see a difference.

Shapes conventions (see ontology/shapes/data-quality.ttl): ``ls:ruleCode``, ``dcterms:source``,
``sh:message`` with ``{$this}``, ``{?value}``, ``{$path}``, ``{?detail}``, and optional
``ls:inForceFrom`` / ``ls:inForceUntil`` dates compared with ``as_of``.
"""
from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from .. import resources
from ..errors import ShapesError, UsageError
from ..store import GraphStore
from ..rdf.vocab import GRAPHS, LS, ORG, PREFIXES, REGION

log = logging.getLogger(__name__)

LSV = "https://w3id.org/loopsource/validation#"
AGG = "https://w3id.org/loopsource/validation/"
DCT_SOURCE = URIRef("http://purl.org/dc/terms/source")
RULE_CODE = URIRef(LS + "ruleCode")
IN_FORCE_FROM = URIRef(LS + "inForceFrom")
IN_FORCE_UNTIL = URIRef(LS + "inForceUntil")
LS_ID = URIRef(LS + "id")
LSV_KEY = URIRef(LSV + "key")
LSV_DETAIL = URIRef(LSV + "detail")
OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")

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
SEVERITIES = ("violation", "warning", "info")
_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}

# Product categories and material classes the regulations name (metrics reference §6, §7).
BATTERY_CATEGORIES = ("ev_battery", "industrial_battery", "lmt_battery", "sli_battery")
BATTERY_MATERIALS = {"Cobalt": "BatteryCobalt", "Lithium": "BatteryLithium", "Nickel": "BatteryNickel",
                     "Lead": "BatteryLead"}
PACKAGING_CATEGORIES = {"packaging_pet_contact_sensitive": "PackagingPetContactSensitive",
                        "packaging_plastic_contact_sensitive": "PackagingPlasticContactSensitive",
                        "packaging_beverage_bottle": "PackagingBeverageBottle",
                        "packaging_plastic_other": "PackagingPlasticOther"}


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, named so that a person can find it in the CSV files."""

    profile: str
    code: str
    severity: str  # violation | warning | info
    focus: str  # CSV id where one exists, else the IRI
    path: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class Rule:
    """A rule that was checked (for JUnit test cases and 'what was run' listings)."""

    profile: str
    code: str
    source: str


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool  # no violation-severity results
    results: tuple[ValidationResult, ...]
    profiles: tuple[str, ...]
    # Extras for the output formats; not part of the JSON contract.
    rules: tuple[Rule, ...] = ()
    as_of: date | None = None
    shacl_turtle: str = field(default="", repr=False, compare=False)  # the pySHACL report graph
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def counts(self) -> dict[str, dict[str, int]]:
        out = {p: {"violations": 0, "warnings": 0, "infos": 0} for p in self.profiles}
        for r in self.results:
            out.setdefault(r.profile, {"violations": 0, "warnings": 0, "infos": 0})[r.severity + "s"] += 1
        return out

    def to_json(self) -> dict:
        return {"conforms": self.conforms,
                "results": [{"profile": r.profile, "code": r.code, "severity": r.severity, "focus": r.focus,
                             "path": r.path, "value": r.value, "message": r.message} for r in self.results]}

    def at_or_above(self, fail_on: str) -> list[ValidationResult]:
        """Results as severe as ``fail_on`` (violation, or warning = warnings and violations)."""
        keep = {"violation"} if fail_on == "violation" else {"violation", "warning"}
        return [r for r in self.results if r.severity in keep]


# ---------------------------------------------------------------------------- shapes
@dataclass(frozen=True)
class _ShapeInfo:
    profile: str
    code: str
    source: str


def _parse_shapes_text(text: str, name: str, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> rdflib.Graph:
    """Parse with pyoxigraph (no entity expansion, no network, no local file reads), then hand
    the triples to rdflib: users' shapes files are untrusted input."""
    g = rdflib.Graph()
    try:
        triples = [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(text, format=fmt)]
    except SyntaxError as e:
        raise ShapesError(f"{name}: not valid {fmt.name}: {e}") from None
    bnodes: dict[str, BNode] = {}
    for t in triples:
        g.add((_to_rdflib(t.subject, bnodes), _to_rdflib(t.predicate, bnodes), _to_rdflib(t.object, bnodes)))
    return g


def _to_rdflib(t: Any, bnodes: dict[str, BNode] | None = None) -> Any:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    if isinstance(t, ox.BlankNode):
        if bnodes is None:
            return BNode(t.value)
        return bnodes.setdefault(t.value, BNode())
    raise ShapesError(f"unsupported RDF term {t!r}")


_USER_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".turtle": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
                 ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML,
                 ".jsonld": ox.RdfFormat.JSON_LD}


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
    return _parse_shapes_text(text, str(path), fmt)


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


def profile_shapes(profile: str, policy: Path | None = None) -> rdflib.Graph:
    """The shapes graph of one built-in profile (policy: generated from the policy file)."""
    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}: one of {', '.join(PROFILES)}")
    if profile == "policy":
        if policy is None:
            return rdflib.Graph()
        return _parse_shapes_text(policy_turtle(load_policy(policy)), f"{policy} (generated shapes)")
    name = f"{profile}.ttl"
    try:
        text = resources.read_text(resources.shapes_dir(), name)
    except OSError as e:
        raise ShapesError(f"shapes of profile {profile!r} ({name}) are missing from this installation: {e}") from None
    return _parse_shapes_text(text, name)


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def _shape_nodes(g: rdflib.Graph) -> tuple[set[Any], dict[Any, Any]]:
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


def _tag_shapes(g: rdflib.Graph, profile: str, fallback: str) -> dict[Any, _ShapeInfo]:
    """Profile, rule code and source of every shape in ``g`` (property shapes inherit)."""
    nodes, parent = _shape_nodes(g)
    info: dict[Any, _ShapeInfo] = {}

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
            top = n
            for _ in range(20):
                if top not in parent:
                    break
                top = parent[top]
            code = _local(str(top)) if isinstance(top, URIRef) else fallback
        srcs, m = list(g.objects(n, DCT_SOURCE)), n
        while not srcs and m in parent:
            m = parent[m]
            srcs = list(g.objects(m, DCT_SOURCE))
        texts = sorted(str(x) for x in srcs if isinstance(x, Literal)) or sorted(str(x) for x in srcs)
        info[n] = _ShapeInfo(profile, code, "; ".join(texts))
    return info


def _local(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


def _in_force(g: rdflib.Graph, shape: Any, as_of: date) -> bool:
    start, end = g.value(shape, IN_FORCE_FROM), g.value(shape, IN_FORCE_UNTIL)
    try:
        if start is not None and as_of < date.fromisoformat(str(start)):
            return False
        if end is not None and as_of >= date.fromisoformat(str(end)):
            return False
    except ValueError as e:
        raise ShapesError(f"shape {shape}: ls:inForceFrom/ls:inForceUntil must be xsd:date: {e}") from None
    return True


@dataclass
class _Shapes:
    graph: rdflib.Graph
    info: dict[Any, _ShapeInfo]
    rules: list[Rule]


def load_shapes(profiles: Sequence[str], shapes_files: Sequence[Path], as_of: date,
                policy: Path | None) -> _Shapes:
    """One shapes graph for all selected profiles and user files, with shapes not in force on
    ``as_of`` deactivated, and the profile/code/source of every shape."""
    merged = rdflib.Graph()
    info: dict[Any, _ShapeInfo] = {}
    parts: list[tuple[str, rdflib.Graph]] = [(p, profile_shapes(p, policy)) for p in profiles]
    parts += [(f"user:{Path(f).name}", read_shapes_file(Path(f))) for f in shapes_files]
    rules: dict[tuple[str, str], Rule] = {}
    for profile, g in parts:
        tags = _tag_shapes(g, profile, "USER-SHAPE")
        nodes, parent = _shape_nodes(g)
        for shape in nodes:
            if shape in parent:
                continue
            if not _in_force(g, shape, as_of):
                g.add((shape, SH.deactivated, Literal(True)))
                continue
            if (g.value(shape, SH.deactivated) or Literal(False)).toPython() is True:
                continue
        deactivated = set(g.subjects(SH.deactivated, Literal(True)))
        for shape, t in tags.items():
            top = shape
            for _ in range(20):
                if top not in parent:
                    break
                top = parent[top]
            if top not in deactivated and shape not in deactivated:
                rules.setdefault((t.profile, t.code), Rule(t.profile, t.code, t.source))
        info.update(tags)
        merged += g
    return _Shapes(merged, info, sorted(rules.values(), key=lambda r: (_profile_rank(r.profile), r.code)))


def _profile_rank(p: str) -> tuple[int, str]:
    names = list(PROFILES)
    return (names.index(p), p) if p in names else (len(names), p)


# ---------------------------------------------------------------------------- policy
POLICY_RULES = {
    "min_local_share": "per plant and calendar year: share of purchased mass from suppliers local to the plant",
    "max_supplier_hhi": "per material and calendar year: Herfindahl-Hirschman index of supplier organisations' "
                        "mass shares (fraction, 0-1)",
    "dual_sourcing": "per material and calendar year: at least min_suppliers distinct supplier organisations",
}


@dataclass(frozen=True)
class PolicyRule:
    index: int
    rule: str
    code: str
    severity: str
    threshold: float
    materials: str | tuple[str, ...] = "all"  # all | critical | strategic | class local names
    local: str = "country"  # country | subregion | eu
    plants: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Policy:
    file: str
    rules: tuple[PolicyRule, ...]


def load_policy(path: Path) -> Policy:
    """Read and check a policy file (format: data/demo/policy.yaml and the README)."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ShapesError(f"{path}: cannot read the policy file: {e}") from None
    except yaml.YAMLError as e:
        raise ShapesError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ShapesError(f"{path}: a policy file is a mapping with a 'rules' list")
    rules = []
    defaults = {"min_local_share": ("POL-LOCAL-SHARE", "min"), "max_supplier_hhi": ("POL-SUPPLIER-HHI", "max"),
                "dual_sourcing": ("POL-DUAL-SOURCING", "min_suppliers")}
    for i, r in enumerate(data["rules"], 1):
        where = f"{path}: rule {i}"
        if not isinstance(r, dict) or r.get("rule") not in POLICY_RULES:
            raise ShapesError(f"{where}: 'rule' must be one of {', '.join(POLICY_RULES)}")
        kind = r["rule"]
        code, key = defaults[kind]
        allowed = {"rule", "code", "severity", key, "materials", "local", "plants", "note"}
        unknown = set(r) - allowed
        if unknown:
            raise ShapesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
        if key not in r or not isinstance(r[key], (int, float)) or isinstance(r[key], bool):
            raise ShapesError(f"{where}: '{key}' must be a number")
        threshold = float(r[key])
        if kind != "dual_sourcing" and not 0 <= threshold <= 1:
            raise ShapesError(f"{where}: '{key}' is a fraction in [0, 1] (got {threshold})")
        severity = r.get("severity", "violation")
        if severity not in SEVERITIES:
            raise ShapesError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        materials = r.get("materials", "all")
        if isinstance(materials, list):
            materials = tuple(str(m) for m in materials)
        elif materials not in ("all", "critical", "strategic"):
            raise ShapesError(f"{where}: materials is all, critical, strategic or a list of material classes")
        local = r.get("local", "country")
        if local not in ("country", "subregion", "eu"):
            raise ShapesError(f"{where}: local is country, subregion or eu")
        plants = r.get("plants", [])
        if not isinstance(plants, list):
            raise ShapesError(f"{where}: plants is a list of site ids")
        code = str(r.get("code") or code)
        rules.append(PolicyRule(i, kind, code, severity, threshold, materials, local,
                                tuple(str(p) for p in plants), str(r.get("note", ""))))
    return Policy(str(path), tuple(rules))


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def policy_turtle(policy: Policy) -> str:
    """The SHACL shapes of a policy: one node shape per rule over its aggregate nodes."""
    sev = {"violation": "sh:Violation", "warning": "sh:Warning", "info": "sh:Info"}
    lines = [f"@prefix ls: <{LS}> .", f"@prefix lsv: <{LSV}> .", "@prefix sh: <http://www.w3.org/ns/shacl#> .",
             "@prefix dcterms: <http://purl.org/dc/terms/> .", f"@prefix lspol: <{AGG}policy#> .", ""]
    for r in policy.rules:
        what = {"min_local_share": ("lsv:localShare", "sh:minInclusive",
                                    f"{{$this}}: local share {{?value}} is below the policy minimum {r.threshold:g} ({{?detail}})"),
                "max_supplier_hhi": ("lsv:supplierHhi", "sh:maxInclusive",
                                     f"{{$this}}: supplier HHI {{?value}} is above the policy maximum {r.threshold:g} ({{?detail}})"),
                "dual_sourcing": ("lsv:supplierCount", "sh:minInclusive",
                                  f"{{$this}}: {{?value}} supplier organisation(s), the policy asks for at least {r.threshold:g} ({{?detail}})")}
        path, constraint, message = what[r.rule]
        value = f"{int(r.threshold)}" if r.rule == "dual_sourcing" else f"{Decimal(str(r.threshold))}"
        if "." not in value and r.rule != "dual_sourcing":
            value += ".0"
        source = f"company policy {Path(policy.file).name}, rule {r.index} ({r.rule})" + (f": {r.note}" if r.note else "")
        # sh:severity sits on the property shape: SHACL does not pass a node shape's on.
        lines += [f"lspol:rule{r.index} a sh:NodeShape ; sh:targetClass lsv:PolicyRule{r.index} ;",
                  f"    ls:ruleCode {_lit(r.code)} ; dcterms:source {_lit(source)} ;",
                  f"    sh:property [ sh:path {path} ; {constraint} {value} ; sh:severity {sev[r.severity]} ;",
                  f"                  sh:message {_lit(message)} ] .", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- index
_RDF_TYPE = RDF.type.toPython()
_SUBCLASS = RDFS.subClassOf.toPython()
_NUMERIC = {str(XSD[n]) for n in ("decimal", "integer", "double", "float", "int", "long", "short", "byte",
                                  "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                  "unsignedInt", "unsignedLong")}
_LEXICAL = {str(XSD.decimal): re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"), str(XSD.integer): re.compile(r"[+-]?\d+"),
            str(XSD.boolean): re.compile(r"true|false|1|0"),
            str(XSD.double): re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|-INF|NaN"),
            str(XSD.date): re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?")}


class _Index:
    """The triples validation needs, read once per predicate (or class) from the store.

    Why not SPARQL: on a 10^6-triple Oxigraph store every query that joins over all
    purchases costs seconds (measured ~10 s for a 5-pattern COUNT over 50,000 purchases on
    the bench machine), and validation would need one per constraint. Reading the
    quads of each predicate the shapes mention once, and answering from Python dicts, is one
    pass over the relevant data for all constraints and all aggregates together."""

    def __init__(self, store: GraphStore, graphs: list[str]):
        self.store, self.graphs = store, graphs
        self.out: dict[str, dict[Any, list[Any]]] = {}
        self.inv: dict[str, dict[Any, list[Any]]] = {}
        self.types: dict[Any, set[str]] = defaultdict(set)  # node -> fetched classes it is an instance of
        self._instances: dict[str, set[Any]] = {}
        self.super: dict[str, set[str]] = defaultdict(set)  # class -> direct superclasses
        self.sub: dict[str, set[str]] = defaultdict(set)
        self.subclass_triples: list[tuple[Any, Any, Any]] = []
        for s, p, o in self.pattern(None, ox.NamedNode(_SUBCLASS), None):
            if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
                self.super[s.value].add(o.value)
                self.sub[o.value].add(s.value)
                self.subclass_triples.append((s, p, o))
        self.patterns = 0
        # Types come from the ontology and asserted graphs only: the OWL 2 RL closure types
        # every object of ls:buyerSite as an ls:Site (rdfs:range), so with inferred types every
        # reference check (sh:class) would pass whatever the data says. SHACL is closed-world;
        # pySHACL follows rdfs:subClassOf itself, so superclasses are not lost.
        self.type_graphs = [g for g in graphs if g != GRAPHS.inferred]

    def pattern(self, s: Any, p: Any, o: Any, graphs: list[str] | None = None) -> Iterable[tuple[Any, Any, Any]]:
        return self.store.triples(s, p, o, self.graphs if graphs is None else graphs)

    def fetch(self, p: str) -> dict[Any, list[Any]]:
        if p not in self.out:
            self.patterns += 1
            d: dict[Any, list[Any]] = defaultdict(list)
            for s, _p, o in self.pattern(None, ox.NamedNode(p), None):
                d[s].append(o)
            self.out[p] = d
        return self.out[p]

    def inverse(self, p: str) -> dict[Any, list[Any]]:
        if p not in self.inv:
            d: dict[Any, list[Any]] = defaultdict(list)
            for s, objs in self.fetch(p).items():
                for o in objs:
                    d[o].append(s)
            self.inv[p] = d
        return self.inv[p]

    def subclasses(self, c: str) -> set[str]:
        return {c} | _closure(c, self.sub)

    def superclasses(self, c: str) -> set[str]:
        return {c} | _closure(c, self.super)

    def instances(self, cls: str) -> set[Any]:
        """SHACL instances of cls: typed with cls or one of its subclasses (any fetched graph)."""
        if cls not in self._instances:
            out: set[Any] = set()
            for c in self.subclasses(cls):
                if c in self._instances and c != cls:
                    out |= self._instances[c]
                    continue
                self.patterns += 1
                for s, _p, _o in self.pattern(None, ox.NamedNode(_RDF_TYPE), ox.NamedNode(c), self.type_graphs):
                    out.add(s)
                    self.types[s].add(c)
            self._instances[cls] = out
        return self._instances[cls]

    def classes_of(self, node: Any) -> set[str]:
        """Every class of one node (its types and their superclasses)."""
        out: set[str] = set()
        for _s, _p, o in self.pattern(node, ox.NamedNode(_RDF_TYPE), None, self.type_graphs):
            if isinstance(o, ox.NamedNode):
                out |= self.superclasses(o.value)
        return out

    def one(self, p: str, s: Any) -> Any:
        v = self.fetch(p).get(s)
        return v[0] if v else None


def _closure(c: str, sub: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(sub.get(c, ()))
    while todo:
        x = todo.pop()
        if x not in seen:
            seen.add(x)
            todo.extend(sub.get(x, ()))
    return seen


def _num(t: Any) -> float | None:
    if isinstance(t, ox.Literal) and t.datatype.value in _NUMERIC:
        try:
            return float(t.value)
        except ValueError:
            return None
    return None


def _year_of(t: Any) -> int | None:
    if isinstance(t, ox.Literal) and len(t.value) >= 4 and t.value[:4].isdigit():
        return int(t.value[:4])
    return None


def _id(index: _Index, node: Any) -> str:
    v = index.one(LS + "id", node)
    return v.value if v is not None else (node.value if isinstance(node, ox.NamedNode) else str(node))


def _ids(ids: Iterable[str], limit: int = 5) -> str:
    ids = sorted(set(i for i in ids if i))
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def _kg(x: float) -> str:
    return f"{x:,.0f} kg" if x >= 10 else f"{x:.3g} kg"


def _share(x: float) -> Literal:
    # Rounded so that 0.65 computed as 0.6500000000000001 still meets a 0.65 benchmark.
    return Literal(Decimal(str(round(x, 6))).normalize() if x else Decimal(0), datatype=XSD.decimal)


# ---------------------------------------------------------------------------- aggregates
class _AggregateGraph:
    """Aggregate nodes as rdflib triples: ``a lsv:Class ; lsv:key ; lsv:detail ; lsv:<measure>``."""

    def __init__(self) -> None:
        self.triples: list[tuple[Any, Any, Any]] = []
        self.count = 0

    def node(self, cls: str, key: str, detail: str, measures: Mapping[str, Literal]) -> None:
        from urllib.parse import quote

        n = URIRef(AGG + _local(cls) + "/" + quote(key, safe="-._~/"))
        self.triples += [(n, RDF.type, URIRef(LSV + cls)), (n, LSV_KEY, Literal(key)), (n, LSV_DETAIL, Literal(detail))]
        self.triples += [(n, URIRef(LSV + m), v) for m, v in measures.items()]
        self.count += 1


@dataclass(frozen=True)
class _Flow:
    """One purchase, as the aggregate rules see it."""

    id: str
    material: Any
    year: int
    kg: float
    recycled_kg: float
    country: Any
    supplier_org: Any
    buyer_site: Any


class _Facts:
    """Purchases, material classes and EU membership, from the index."""

    def __init__(self, index: _Index):
        self.index = index
        ix = index
        self.flows: list[_Flow] = []
        mat, kg, day = ix.fetch(LS + "material"), ix.fetch(LS + "massKg"), ix.fetch(LS + "date")
        sup, buyer, rec = ix.fetch(LS + "supplierSite"), ix.fetch(LS + "buyerSite"), ix.fetch(LS + "recycledShare")
        located, site_of = ix.fetch(LS + "locatedIn"), ix.fetch(ORG + "siteOf")
        for p in ix.instances(LS + "Purchase"):
            m, mass, d, ss = (mat.get(p) or [None])[0], _num((kg.get(p) or [None])[0]), \
                (day.get(p) or [None])[0], (sup.get(p) or [None])[0]
            y = _year_of(d)
            if m is None or mass is None or y is None or mass <= 0:
                continue  # data-quality reports it; aggregates skip what they cannot place
            r = _num((rec.get(p) or [None])[0]) or 0.0
            self.flows.append(_Flow(_id(ix, p), m, y, mass, mass * r, (located.get(ss) or [None])[0],
                                    (site_of.get(ss) or [ss])[0], (buyer.get(p) or [None])[0]))
        self.material_classes: dict[Any, set[str]] = {m: ix.classes_of(m) for m in {f.material for f in self.flows}
                                                      | {m for ms in ix.fetch(LS + "material").values() for m in ms}}
        self.eu = {s for s, _p, _o in ix.pattern(None, ox.NamedNode(LS + "withinRegion"), ox.NamedNode(REGION + "EU"))}

    def is_a(self, m: Any, cls: str) -> bool:
        if m not in self.material_classes:
            self.material_classes[m] = self.index.classes_of(m)
        return cls in self.material_classes[m]

    def strategic_classes(self, m: Any) -> list[str]:
        srm = LS + "StrategicRawMaterial"
        if not self.is_a(m, srm):
            return []
        return sorted(c for c in self.material_classes[m] if srm in self.index.super.get(c, ()))

    def mid(self, m: Any) -> str:
        return _id(self.index, m)


def compute_aggregates(index: _Index, profiles: Sequence[str], policy: Policy | None) -> _AggregateGraph:
    """Aggregate nodes for the selected profiles (see the shapes files for their meaning)."""
    agg = _AggregateGraph()
    wanted = set(profiles)
    if not wanted & {"eu-crma", "eu-batteries", "eu-ppwr", "policy"}:
        return agg
    facts = _Facts(index)
    if "eu-crma" in wanted:
        _crma(facts, agg)
    if wanted & {"eu-batteries", "eu-ppwr"}:
        _recycled_content(facts, wanted, agg)
    if "policy" in wanted and policy is not None:
        _policy(facts, policy, agg)
    return agg


def _crma(facts: _Facts, agg: _AggregateGraph) -> None:
    by_key: dict[tuple[str, int], dict[Any, float]] = defaultdict(lambda: defaultdict(float))
    ids: dict[tuple[str, int], set[str]] = defaultdict(set)
    mats: dict[tuple[str, int], set[str]] = defaultdict(set)
    total: dict[int, float] = defaultdict(float)
    critical: dict[int, float] = defaultdict(float)
    crit_mats: dict[int, set[str]] = defaultdict(set)
    for f in facts.flows:
        total[f.year] += f.kg
        if facts.is_a(f.material, LS + "CriticalRawMaterial"):
            critical[f.year] += f.kg
            crit_mats[f.year].add(facts.mid(f.material))
        for cls in facts.strategic_classes(f.material):
            by_key[(cls, f.year)][f.country] += f.kg
            ids[(cls, f.year)].add(f.id)
            mats[(cls, f.year)].add(facts.mid(f.material))
    for (cls, y), countries in sorted(by_key.items()):
        all_mass = sum(countries.values())
        non_eu = {c.value: v for c, v in countries.items() if c is not None and c not in facts.eu}
        if not all_mass or not non_eu:
            continue
        top = max(sorted(non_eu), key=lambda c: non_eu[c])
        detail = (f"{_local(top)} {_kg(non_eu[top])} of {_kg(all_mass)} of {_local(cls)} bought in {y}; "
                  f"materials {_ids(mats[(cls, y)])}; purchases {_ids(ids[(cls, y)])}")
        agg.node("CountryConcentration", f"{_local(cls)}/{y}", detail,
                 {"maxNonEuCountryShare": _share(non_eu[top] / all_mass), "topCountry": Literal(_local(top))})
    for y in sorted(total):
        detail = f"{_kg(critical[y])} of {_kg(total[y])} bought in {y}; materials {_ids(crit_mats[y])}"
        agg.node("CriticalInflow", f"inflow/{y}", detail, {"criticalShare": _share(critical[y] / total[y])})


def _recycled_content(facts: _Facts, wanted: set[str], agg: _AggregateGraph) -> None:
    ix = facts.index
    mass: dict[Any, float] = defaultdict(float)
    recycled: dict[Any, float] = defaultdict(float)
    for f in facts.flows:
        mass[f.material] += f.kg
        recycled[f.material] += f.recycled_kg

    def material_share(m: Any) -> float | None:
        return recycled[m] / mass[m] if mass.get(m) else None

    line_of, line_mat, line_kg = ix.fetch(LS + "bomLineOf"), ix.fetch(LS + "material"), ix.fetch(LS + "massKg")
    category = ix.fetch(LS + "category")
    groups: dict[tuple[str, str], list[tuple[Any, float]]] = defaultdict(list)  # (product id, class) -> lines
    for b in ix.instances(LS + "BomLine"):
        prod, m, kg = (line_of.get(b) or [None])[0], (line_mat.get(b) or [None])[0], _num((line_kg.get(b) or [None])[0])
        if prod is None or m is None:
            continue
        pid = _id(ix, prod)
        for cat in {c.value for c in category.get(prod, []) if isinstance(c, ox.Literal)}:
            if "eu-batteries" in wanted and cat in BATTERY_CATEGORIES:
                for name, cls in BATTERY_MATERIALS.items():
                    if facts.is_a(m, LS + name):
                        groups[(pid, cls)].append((m, kg or 0.0))
            if "eu-ppwr" in wanted and cat in PACKAGING_CATEGORIES and facts.is_a(m, LS + "Plastic"):
                groups[(pid, PACKAGING_CATEGORIES[cat])].append((m, kg or 0.0))
    for (pid, cls), lines in sorted(groups.items()):
        bought = [(m, kg) for m, kg in lines if material_share(m) is not None]
        weight = sum(kg for _m, kg in bought)
        parts = [f"{facts.mid(m)}: " + (f"{material_share(m):.3g} recycled of {_kg(mass[m])} bought"
                                       if material_share(m) is not None else "never bought")
                 for m, _kg_ in sorted(lines, key=lambda x: facts.mid(x[0]))]
        # Nothing bought: no recycled content can be shown, which counts as 0 %.
        share = sum(kg * (material_share(m) or 0.0) for m, kg in bought) / weight if weight else 0.0
        agg.node(cls, pid, "; ".join(parts), {"recycledShare": _share(share)})


def _policy_materials(facts: _Facts, rule: PolicyRule, m: Any) -> bool:
    if rule.materials == "all":
        return True
    if rule.materials == "critical":
        return facts.is_a(m, LS + "CriticalRawMaterial")
    if rule.materials == "strategic":
        return facts.is_a(m, LS + "StrategicRawMaterial")
    return any(facts.is_a(m, LS + c) for c in rule.materials)


def _policy(facts: _Facts, policy: Policy, agg: _AggregateGraph) -> None:
    ix = facts.index
    for rule in policy.rules:
        cls = f"PolicyRule{rule.index}"
        if rule.rule in ("max_supplier_hhi", "dual_sourcing"):
            per: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
            for f in facts.flows:
                if _policy_materials(facts, rule, f.material):
                    per[(facts.mid(f.material), f.year)][_id(ix, f.supplier_org)] += f.kg
            for (mid, y), orgs in sorted(per.items()):
                total = sum(orgs.values())
                top = sorted(orgs, key=lambda o: (-orgs[o], o))[:3]
                detail = (f"{mid} in {y}: {len(orgs)} supplier(s), largest "
                          + ", ".join(f"{o} {orgs[o] / total:.0%}" for o in top))
                if rule.rule == "max_supplier_hhi":
                    agg.node(cls, f"{mid}/{y}", detail, {"supplierHhi": _share(sum((v / total) ** 2 for v in orgs.values()))})
                else:
                    agg.node(cls, f"{mid}/{y}", detail, {"supplierCount": Literal(len(orgs), datatype=XSD.integer)})
        elif rule.rule == "min_local_share":
            plants = ix.instances(LS + "Plant")
            located = ix.fetch(LS + "locatedIn")
            parents: dict[Any, set[Any]] = {}
            if rule.local == "subregion":
                subregions = ix.instances(LS + "M49SubRegion")
                parents = {c: {r for r in rs if r in subregions} for c, rs in ix.fetch(LS + "withinRegion").items()}
            per_plant: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
            for f in facts.flows:
                if f.buyer_site not in plants:
                    continue
                pid = _id(ix, f.buyer_site)
                if rule.plants and pid not in rule.plants:
                    continue
                bc = (located.get(f.buyer_site) or [None])[0]
                sc = f.country
                if rule.local == "country":
                    local = bc is not None and bc == sc
                elif rule.local == "eu":
                    local = bc in facts.eu and sc in facts.eu
                else:
                    local = bool(parents.get(bc, set()) & parents.get(sc, set()))
                acc = per_plant[(pid, f.year)]
                acc[0] += f.kg
                acc[1] += f.kg if local else 0.0
            for (pid, y), (total, local_kg) in sorted(per_plant.items()):
                detail = f"{_kg(local_kg)} of {_kg(total)} bought by {pid} in {y} from {rule.local}-local suppliers"
                agg.node(cls, f"{pid}/{y}", detail, {"localShare": _share(local_kg / total)})


# ---------------------------------------------------------------------------- targeted subgraph
_SPARQL_FEATURES = (SH.sparql, SH.select, SH.ask, SH.target, SH.rule, SH.SPARQLTarget, SH.SPARQLConstraint,
                    SH.js, SH.jsFunctionName)
_PAIR_PREDICATES = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)


def _needs_full_graph(shapes: rdflib.Graph) -> str | None:
    for p in _SPARQL_FEATURES:
        if (None, p, None) in shapes or (None, RDF.type, p) in shapes:
            return f"the shapes use {shapes.namespace_manager.normalizeUri(p)}"
    if (None, SH.closed, Literal(True)) in shapes:
        return "the shapes use sh:closed"
    return None


def _path_iris(shapes: rdflib.Graph, path: Any, seen: set[Any] | None = None) -> tuple[set[str], set[str]]:
    """(forward predicates, inverse predicates) a path can traverse."""
    seen = set() if seen is None else seen
    fwd: set[str] = set()
    inv: set[str] = set()
    if path in seen:
        return fwd, inv
    seen.add(path)
    if isinstance(path, URIRef):
        return {str(path)}, inv
    ip = shapes.value(path, SH.inversePath)
    if ip is not None:
        f, i = _path_iris(shapes, ip, seen)
        return i, f  # an inverse path swaps directions
    for p in (SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        o = shapes.value(path, p)
        if o is not None:
            for it in (list(Collection(shapes, o)) if p == SH.alternativePath else [o]):
                f, i = _path_iris(shapes, it, seen)
                fwd |= f
                inv |= i
            return fwd, inv
    if (path, RDF.first, None) in shapes:  # sequence path
        for it in Collection(shapes, path):
            f, i = _path_iris(shapes, it, seen)
            fwd |= f
            inv |= i
    return fwd, inv


def referenced_predicates(shapes: rdflib.Graph) -> tuple[set[str], set[str]]:
    fwd: set[str] = {LS + "id"}
    inv: set[str] = set()
    for path in shapes.objects(None, SH.path):
        f, i = _path_iris(shapes, path)
        fwd |= f
        inv |= i
    for p in _PAIR_PREDICATES:
        fwd |= {str(o) for o in shapes.objects(None, p) if isinstance(o, URIRef)}
    fwd |= {str(o) for o in shapes.objects(None, SH.targetSubjectsOf) if isinstance(o, URIRef)}
    inv |= {str(o) for o in shapes.objects(None, SH.targetObjectsOf) if isinstance(o, URIRef)}
    fwd.discard(_RDF_TYPE)  # types come from the classes the shapes name (see _Index.instances)
    return fwd, inv


def _to_ox(t: Any) -> Any:
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD.string)))
    return None


_LIMITS: dict[Any, float | None] = {}


def _compare(v: Any, lim: Any, op: str) -> bool:
    """v op lim for numbers or dates; False when not comparable (then the node is a candidate)."""
    if lim not in _LIMITS:
        _LIMITS[lim] = _num(_to_ox(lim))
    a, b = _num(v), _LIMITS[lim]
    if a is None or b is None:
        if isinstance(v, ox.Literal) and isinstance(lim, Literal) and v.datatype.value == str(lim.datatype) \
                and v.datatype.value in (str(XSD.date), str(XSD.dateTime)):
            a, b = v.value, str(lim)  # type: ignore[assignment]
        else:
            return False
    return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op]  # type: ignore[operator]


class _Candidates:
    """Focus nodes that *may* violate a shape, answered from the index. Sound: a node that
    violates a constraint is always a candidate; constraints not understood here make every
    focus node of the shape a candidate, and pySHACL decides."""

    _SIMPLE = {SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.minInclusive, SH.maxInclusive,
               SH.minExclusive, SH.maxExclusive, SH["in"], SH.hasValue, SH.nodeKind, SH.minLength, SH.maxLength,
               SH.pattern, SH.flags}
    _IGNORED = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
                RDF.type, SH.property, SH.deactivated, RULE_CODE, DCT_SOURCE, IN_FORCE_FROM, IN_FORCE_UNTIL,
                SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, RDFS.comment,
                RDFS.label, SH.ignoredProperties}

    def __init__(self, index: _Index, shapes: rdflib.Graph):
        self.ix, self.g = index, shapes

    def focus(self, shape: Any) -> set[Any]:
        g = self.g
        out: set[Any] = set()
        classes = set(g.objects(shape, SH.targetClass))
        if isinstance(shape, URIRef) and ((shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL_CLASS) in g):
            classes.add(shape)  # implicit class target
        for c in classes:
            out |= self.ix.instances(str(c))
        out |= {_to_ox(o) for o in g.objects(shape, SH.targetNode) if _to_ox(o) is not None}
        for p in g.objects(shape, SH.targetSubjectsOf):
            out |= set(self.ix.fetch(str(p)))
        for p in g.objects(shape, SH.targetObjectsOf):
            out |= set(self.ix.inverse(str(p)))
        return out

    def candidates(self, shape: Any) -> set[Any]:
        focus = self.focus(shape)
        found = self._shape(shape, focus, 0) if focus else set()
        return focus if found is None else found

    def _shape(self, shape: Any, focus: set[Any], depth: int) -> set[Any] | None:
        """None means: every focus node is a candidate."""
        g = self.g
        if depth > 8 or (shape, SH.deactivated, Literal(True)) in g:
            return None if depth > 8 else set()
        out: set[Any] = set()
        for p in set(g.predicates(shape, None)) - self._IGNORED - self._SIMPLE:
            if p in (SH["or"], SH["and"]):
                members = [self._shape(m, focus, depth + 1) for m in Collection(g, g.value(shape, p))]
                if g.value(shape, SH.path) is not None or any(m is None for m in members):
                    return None
                if p == SH["or"]:  # a node violates sh:or only if it violates every member
                    inter = set(focus)
                    for m in members:
                        inter &= m  # type: ignore[operator]
                    out |= inter
                else:
                    for m in members:
                        out |= m  # type: ignore[operator]
                continue
            return None  # sh:not, sh:node, sh:xone, qualified shapes, sh:equals, ...: let pySHACL decide
        for ps in g.objects(shape, SH.property):
            s = self._shape(ps, focus, depth + 1)
            if s is None:
                return None
            out |= s
        s = self._values_check(shape, focus)
        if s is None:
            return None
        return out | s

    def _values_check(self, shape: Any, focus: set[Any]) -> set[Any] | None:
        g = self.g
        cons = {p: list(g.objects(shape, p)) for p in self._SIMPLE}
        cons = {p: v for p, v in cons.items() if v}
        if not cons:
            return set()
        path = g.value(shape, SH.path)
        if path is None:
            def values(x: Any) -> list[Any]:
                return [x]
        elif isinstance(path, URIRef):
            d = self.ix.fetch(str(path))

            def values(x: Any) -> list[Any]:
                return d.get(x, [])
        else:
            ip = g.value(path, SH.inversePath)
            if not isinstance(ip, URIRef):
                return None
            d = self.ix.inverse(str(ip))

            def values(x: Any) -> list[Any]:
                return d.get(x, [])
        # Count constraints by set arithmetic over the subjects that have values (fast path:
        # most focus nodes have exactly the values they should).
        out: set[Any] = set()
        have = None if path is None else {x for x in focus if values(x)}
        for n in cons.get(SH.minCount, []):
            if int(n) > 0:
                out |= (focus - have) if have is not None else set()
                if int(n) > 1:
                    out |= {x for x in focus if len(set(values(x))) < int(n)}
        for n in cons.get(SH.maxCount, []):
            out |= {x for x in (have if have is not None else focus) if len(set(values(x))) > int(n)}
        checks = []
        for dt in cons.get(SH.datatype, []):
            lex = _LEXICAL.get(str(dt))
            checks.append(lambda v, dt=str(dt), lex=lex: not isinstance(v, ox.Literal) or v.datatype.value != dt
                          or (lex is not None and not lex.fullmatch(v.value)))
        for c in cons.get(SH["class"], []):
            inst = self.ix.instances(str(c))
            checks.append(lambda v, inst=inst: v not in inst)
        for p, op in ((SH.minInclusive, ">="), (SH.maxInclusive, "<="), (SH.minExclusive, ">"), (SH.maxExclusive, "<")):
            for lim in cons.get(p, []):
                checks.append(lambda v, lim=lim, op=op: not _compare(v, lim, op))
        for lst in cons.get(SH["in"], []):
            allowed = {_to_ox(m) for m in Collection(g, lst)}
            checks.append(lambda v, allowed=allowed: v not in allowed)
        for n in cons.get(SH.minLength, []):
            checks.append(lambda v, n=int(n): isinstance(v, ox.BlankNode) or len(v.value) < n)
        for n in cons.get(SH.maxLength, []):
            checks.append(lambda v, n=int(n): isinstance(v, ox.BlankNode) or len(v.value) > n)
        for pat in cons.get(SH.pattern, []):
            flags = str(g.value(shape, SH.flags) or "")
            try:
                rx = re.compile(str(pat), (re.I if "i" in flags else 0) | (re.S if "s" in flags else 0)
                                | (re.M if "m" in flags else 0) | (re.X if "x" in flags else 0))
            except re.error:
                return None
            checks.append(lambda v, rx=rx: isinstance(v, ox.BlankNode) or not rx.search(v.value))
        kinds = {SH.IRI: (ox.NamedNode,), SH.Literal: (ox.Literal,), SH.BlankNode: (ox.BlankNode,),
                 SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode), SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
                 SH.IRIOrLiteral: (ox.NamedNode, ox.Literal)}
        for k in cons.get(SH.nodeKind, []):
            if k not in kinds:
                return None
            checks.append(lambda v, ok=kinds[k]: not isinstance(v, ok))
        for hv in cons.get(SH.hasValue, []):
            want = _to_ox(hv)
            out |= {x for x in focus if want not in values(x)}
        if checks:
            for x in (have if have is not None else focus):
                for v in values(x):
                    if any(check(v) for check in checks):
                        out.add(x)
                        break
        return out


def _subgraph(index: _Index, nodes: set[Any], fwd: set[str], inv: set[str]) -> rdflib.Graph:
    """The candidates described with the referenced predicates, closed over the IRIs they reach,
    with the types the shapes ask about and the class hierarchy."""
    data = rdflib.Graph()
    bnodes: dict[str, BNode] = {}
    add = data.add
    conv = _to_rdflib
    for s, p, o in index.subclass_triples:
        add((conv(s, bnodes), conv(p, bnodes), conv(o, bnodes)))
    done: set[Any] = set()
    todo = set(nodes)
    type_ = RDF.type
    while todo:
        x = todo.pop()
        if x in done:
            continue
        done.add(x)
        rx = conv(x, bnodes)
        for c in index.types.get(x, ()):
            add((rx, type_, URIRef(c)))
        for p in fwd:
            for o in index.fetch(p).get(x, ()):
                add((rx, URIRef(p), conv(o, bnodes)))
                if not isinstance(o, ox.Literal) and o not in done:
                    todo.add(o)
        for p in inv:
            for s in index.inverse(p).get(x, ()):
                add((conv(s, bnodes), URIRef(p), rx))
                if s not in done:
                    todo.add(s)
    return data


def _full_graph(store: GraphStore, graphs: list[str]) -> rdflib.Graph:
    g = rdflib.Graph()
    for name in graphs:
        text = store.export(name, ox.RdfFormat.N_TRIPLES).decode("utf-8")
        if name == GRAPHS.inferred:  # types from asserted data only (see _Index.type_graphs)
            text = "\n".join(line for line in text.splitlines() if f" <{_RDF_TYPE}> " not in line)
        g.parse(data=text, format="nt")
    return g


# ---------------------------------------------------------------------------- validate
def _graphs_to_use(store: GraphStore, notes: list[str]) -> list[str]:
    from ..store.meta import inferred_status

    status = inferred_status(store)
    if status == "current":
        return [GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred]
    note = (f"the inferred graph is {status}: validation uses the ontology and asserted data only "
            f"(run 'loopsource reason' first to include inferred triples)")
    log.warning(note)
    notes.append(note)
    return [GRAPHS.ontology, GRAPHS.asserted]


def resolve_profiles(profiles: Sequence[str] | None, policy: Path | None = None) -> tuple[str, ...]:
    if profiles is None:
        chosen = set(PROFILES)
    else:
        unknown = [p for p in profiles if p not in PROFILES]
        if unknown:
            raise UsageError(f"unknown profile {unknown[0]!r}: one of {', '.join(PROFILES)}")
        chosen = set(profiles) | {ALWAYS_ON}
        if policy is not None:
            chosen.add("policy")  # --policy FILE means: check it
    return tuple(p for p in PROFILES if p in chosen)


def validate(store: GraphStore, profiles: Sequence[str] | None = None, shapes_files: Sequence[Path] = (),
             as_of: date | None = None, policy: Path | None = None) -> ValidationReport:
    """Run the profiles (None: all; data-quality always) and the user's shapes files on the store."""
    import pyshacl

    t0 = time.perf_counter()
    as_of = as_of or date.today()
    chosen = resolve_profiles(profiles, policy)
    notes: list[str] = []
    if "policy" in chosen and policy is None and profiles is not None and "policy" in profiles:
        notes.append("profile 'policy' has no rules: give a policy file with --policy")
    pol = load_policy(policy) if policy is not None else None
    shapes = load_shapes(chosen, shapes_files, as_of, policy)
    graphs = _graphs_to_use(store, notes)

    t1 = time.perf_counter()
    index = _Index(store, graphs)
    agg = compute_aggregates(index, chosen, pol)
    t2 = time.perf_counter()

    full = _needs_full_graph(shapes.graph)
    if full:
        note = f"{full}: pySHACL sees the whole data graph, which is slow on large stores"
        log.warning(note)
        notes.append(note)
        data = _full_graph(store, graphs)
    else:
        finder = _Candidates(index, shapes.graph)
        candidates: set[Any] = set()
        nodes, parent = _shape_nodes(shapes.graph)
        for shape in nodes:
            if shape in parent or (shape, SH.deactivated, Literal(True)) in shapes.graph:
                continue
            if any(str(c).startswith(LSV) for c in shapes.graph.objects(shape, SH.targetClass)):
                continue  # aggregate nodes: all of them go to pySHACL anyway
            candidates |= finder.candidates(shape)
        fwd, inv = referenced_predicates(shapes.graph)
        data = _subgraph(index, candidates, fwd, inv)
        log.info("validation: %d candidate focus nodes (%d store reads); pySHACL data graph %d triples",
                 len(candidates), index.patterns, len(data))
    for t in agg.triples:
        data.add(t)
    t3 = time.perf_counter()

    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data, shacl_graph=shapes.graph, inference="none", advanced=True, inplace=True,
            allow_infos=True, allow_warnings=True, abort_on_first=False)
    except Exception as e:  # pySHACL reports malformed shapes with its own exception types
        raise ShapesError(f"the shapes cannot be used: {type(e).__name__}: {e}") from None
    t4 = time.perf_counter()
    results = _collect(report_graph, data, shapes)
    log.info("validation timings: shapes %.2fs, aggregates %.2fs, subgraph %.2fs, pySHACL %.2fs",
             t1 - t0, t2 - t1, t3 - t2, t4 - t3)
    report_graph.bind("sh", SH)
    for k, v in PREFIXES.items():
        report_graph.bind(k, v)
    report_graph.bind("lsv", LSV)
    return ValidationReport(
        conforms=not any(r.severity == "violation" for r in results), results=tuple(results), profiles=chosen
        + tuple(sorted({i.profile for i in shapes.info.values() if i.profile.startswith("user:")})),
        rules=tuple(shapes.rules), as_of=as_of, shacl_turtle=report_graph.serialize(format="turtle"),
        notes=tuple(notes), seconds=time.perf_counter() - t0)


def _curie(iri: str) -> str:
    for k, v in PREFIXES.items():
        if iri.startswith(v) and iri[len(v):] and "/" not in iri[len(v):]:
            return f"{k}:{iri[len(v):]}"
    if iri.startswith(LSV):
        return "lsv:" + iri[len(LSV):]
    return iri


def _name(node: Any, data: rdflib.Graph) -> str:
    for p in (LS_ID, LSV_KEY):
        v = data.value(node, p) if isinstance(node, (URIRef, BNode)) else None
        if v is not None:
            return str(v)
    return str(node)


def _path_text(path: Any, g: rdflib.Graph) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _curie(str(path))
    ip = g.value(path, SH.inversePath)
    if ip is not None:
        return f"^{_path_text(ip, g)}"
    if (path, RDF.first, None) in g:
        return "/".join(_path_text(x, g) or "?" for x in Collection(g, path))
    return str(path)


def _value_text(v: Any, data: rdflib.Graph) -> str | None:
    if v is None:
        return None
    if isinstance(v, Literal):
        return str(v)
    return _name(v, data)


def _collect(report: rdflib.Graph, data: rdflib.Graph, shapes: _Shapes) -> list[ValidationResult]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        focus_node = report.value(r, SH.focusNode)
        source = report.value(r, SH.sourceShape)
        meta = shapes.info.get(source) or _ShapeInfo("user", _local(str(source)) if isinstance(source, URIRef)
                                                     else "USER-SHAPE", "")
        severity = _SEVERITY.get(report.value(r, SH.resultSeverity), "violation")
        path = _path_text(report.value(r, SH.resultPath), report)
        value = _value_text(report.value(r, SH.value), data)
        focus = _name(focus_node, data)
        messages = [m for m in report.objects(r, SH.resultMessage)]
        english = [m for m in messages if getattr(m, "language", None) in (None, "en")]
        message = str((english or messages or [""])[0])
        detail = data.value(focus_node, LSV_DETAIL) if isinstance(focus_node, (URIRef, BNode)) else None
        message = (message.replace("{$this}", focus).replace("{?value}", value or "")
                   .replace("{$path}", path or "").replace("{?detail}", str(detail or "")))
        if not message:
            message = f"{focus}: {meta.code}"
        if message and focus not in message and not focus.startswith("http"):
            message = f"{focus}: {message}"  # pySHACL's default texts do not name the node
        out.append(ValidationResult(meta.profile, meta.code, severity, focus, path, value, message))
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda x: (_profile_rank(x.profile), rank[x.severity], x.code, x.focus, x.path or "", x.value or "",
                            x.message))
    return out


# ---------------------------------------------------------------------------- output formats
FORMATS = ("text", "json", "turtle", "html", "junit")


def render(report: ValidationReport, fmt: str, fail_on: str = "violation", limit: int = 50) -> str:
    """The report in one of FORMATS (text is for people; the others for tools and pages)."""
    import json

    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "turtle":
        return report.shacl_turtle
    if fmt == "text":
        return _render_text(report, limit)
    if fmt == "html":
        return _render_html(report)
    if fmt == "junit":
        return _render_junit(report, fail_on)
    raise UsageError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: ValidationReport) -> str:
    total = {s: sum(1 for r in report.results if r.severity == s) for s in SEVERITIES}
    verdict = "conforms" if report.conforms else "DOES NOT CONFORM"
    return (f"{verdict}: {_plural(total['violation'], 'violation')}, {_plural(total['warning'], 'warning')}, "
            f"{_plural(total['info'], 'info')} ({len(report.profiles)} profiles, as of {report.as_of})")


def _grouped(report: ValidationReport) -> list[tuple[str, list[tuple[str, list[ValidationResult]]]]]:
    out = []
    for p in report.profiles:
        rs = [r for r in report.results if r.profile == p]
        out.append((p, [(s, [r for r in rs if r.severity == s]) for s in SEVERITIES]))
    return out


def _render_text(report: ValidationReport, limit: int) -> str:
    lines = [f"loopsource validate: {summary_line(report)}"]
    for note in report.notes:
        lines.append(f"note: {note}")
    counts = report.counts()
    for profile, groups in _grouped(report):
        c = counts.get(profile, {})
        lines.append("")
        lines.append(f"{profile}: {_plural(c.get('violations', 0), 'violation')}, "
                     f"{_plural(c.get('warnings', 0), 'warning')}, {_plural(c.get('infos', 0), 'info')}")
        for severity, rs in groups:
            if not rs:
                continue
            lines.append(f"  {severity}s:")
            by_code: dict[str, list[ValidationResult]] = defaultdict(list)
            for r in rs:
                by_code[r.code].append(r)
            for code, items in by_code.items():
                for r in items[:limit]:
                    lines.append(f"    [{code}] {r.message}")
                if len(items) > limit:
                    lines.append(f"    [{code}] ... and {len(items) - limit} more (see --format json)")
    return "\n".join(lines) + "\n"


def _render_html(report: ValidationReport) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("validation.html.j2").render(
        report=report, summary=summary_line(report), groups=_grouped(report), counts=report.counts(),
        rules=report.rules)


def _render_junit(report: ValidationReport, fail_on: str) -> str:
    from xml.sax.saxutils import escape, quoteattr

    failing = {"violation"} if fail_on == "violation" else {"violation", "warning"}
    cases: dict[str, dict[str, list[ValidationResult]]] = {p: {} for p in report.profiles}
    for rule in report.rules:
        cases.setdefault(rule.profile, {}).setdefault(rule.code, [])
    for r in report.results:
        cases.setdefault(r.profile, {}).setdefault(r.code, []).append(r)
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    n_fail = sum(1 for r in report.results if r.severity in failing)
    n_tests = sum(len(c) for c in cases.values())
    out.append(f'<testsuites name="loopsource validate" tests="{n_tests}" failures="{n_fail}" errors="0" '
               f'time="{report.seconds:.3f}">')
    for profile, codes in cases.items():
        fails = sum(1 for rs in codes.values() for r in rs if r.severity in failing)
        out.append(f'  <testsuite name={quoteattr(profile)} tests="{len(codes)}" failures="{fails}" errors="0">')
        for code in sorted(codes):
            rs = codes[code]
            out.append(f'    <testcase classname={quoteattr(profile)} name={quoteattr(code)}>')
            for r in rs:
                if r.severity in failing:
                    out.append(f'      <failure type={quoteattr(r.severity)} message={quoteattr(r.message)}>'
                               f'{escape(f"focus: {r.focus}; path: {r.path}; value: {r.value}")}</failure>')
            others = [r for r in rs if r.severity not in failing]
            if others:
                text = "\n".join(f"{r.severity}: {r.message}" for r in others)
                out.append(f"      <system-out>{escape(text)}</system-out>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


__all__ = ["PROFILES", "ValidationResult", "ValidationReport", "Rule", "validate", "render", "FORMATS",
           "load_policy", "policy_turtle", "summary_line", "resolve_profiles"]
