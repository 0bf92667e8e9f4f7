"""One validation run: choose the profiles and graphs, compute the aggregates, give pySHACL
the data it needs, and name its results so a person can find them in the CSV files.

A stale inferred graph is not used: validation then reads the ontology and asserted graphs
only and says so (a read-only command does not reason behind the user's back). The built-in
shapes do not need inferred triples (pySHACL follows rdfs:subClassOf itself, and so does
the index the aggregates read), so only user shapes that rely on inferred triples see a
difference.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from ..definitions import period_of
from ..errors import ShapesError, UsageError
from ..progress import Progress, Tick, silent
from ..rdf.vocab import GRAPHS, LS, PREFIXES
from ..store import GraphStore
from ..store.meta import inferred_status
from .aggregates import AggregateGraph, compute_aggregates
from .candidates import (Candidates, full_graph, needs_full_graph, referenced_predicates, subgraph,
                         target_only_inverse)
from .index import Index
from .policy import Policy, load_policy
from .readiness import readiness
from .results import SEVERITIES, Assessment, ValidationReport, ValidationResult
from .settings import DEFERRALS, Settings
from .shapes import ALWAYS_ON, PROFILES, ShapeInfo, Shapes, load_shapes, profile_rank, shape_nodes
from .terms import LS_ID, LSV, LSV_DETAIL, LSV_KEY, local_name, to_ox

log = logging.getLogger(__name__)
_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


def resolve_profiles(profiles: Sequence[str] | None, policy: Path | None = None) -> tuple[str, ...]:
    """The profiles a run checks, in PROFILES order: None means all; data-quality is always on;
    a policy file adds 'policy'."""
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


def _graphs_to_use(store: GraphStore, notes: list[str]) -> list[str]:
    """The graphs to read: the inferred one only while it is current (a note says when it is not)."""
    status = inferred_status(store)
    if status == "current":
        return [GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred]
    note = (f"the inferred graph is {status}: validation uses the ontology and asserted data only "
            f"(run 'loopsource reason' first to include inferred triples)")
    log.warning(note)
    notes.append(note)
    return [GRAPHS.ontology, GRAPHS.asserted]


def validate(store: GraphStore, profiles: Sequence[str] | None = None, shapes_files: Sequence[Path] = (),
             as_of: date | None = None, policy: Path | Policy | None = None,
             settings: Settings | None = None, *, on_progress: Progress = silent,
             context: dict[str, Any] | None = None) -> ValidationReport:
    """Run the profiles (None: all; data-quality always) and the user's shapes files on the store
    (``on_progress`` hears each step: loopsource.progress). ``policy`` is a file or a policy
    already read (validate.context); ``context`` says where the as-of date, policy and settings
    came from (ComplianceContext.to_json), for the outputs."""
    t0 = time.perf_counter()
    as_of = as_of or date.today()
    settings = settings or Settings()
    chosen = resolve_profiles(profiles, policy)
    notes: list[str] = _setting_notes(settings, chosen)
    if "policy" in chosen and policy is None and profiles is not None and "policy" in profiles:
        notes.append("profile 'policy' has no rules: give a policy file with --policy")
    pol = policy if isinstance(policy, Policy) or policy is None else load_policy(policy)
    shapes = load_shapes(chosen, shapes_files, as_of, pol, settings)
    graphs = _graphs_to_use(store, notes)

    t1 = time.perf_counter()
    on_progress(Tick("validate", "aggregates"))
    index = Index(store, graphs)
    agg = compute_aggregates(index, chosen, pol, settings)
    t2 = time.perf_counter()
    on_progress(Tick("validate", "aggregates", agg.count, None, "nodes", final=True))
    on_progress(Tick("validate", "candidate subgraph"))
    data = _data_graph(store, graphs, index, shapes.graph, notes)
    for t in agg.triples:
        data.add(t)
    t3 = time.perf_counter()
    period = period_of(_purchase_years(index))
    index.release()  # before pySHACL: the report keeps ``agg`` (its facts) for the passports, not every value read
    on_progress(Tick("validate", "candidate subgraph", len(data), None, "triples", final=True))
    on_progress(Tick("validate", "pySHACL"))
    report_graph = _pyshacl(data, shapes.graph)
    t4 = time.perf_counter()
    results = _collect(report_graph, data, shapes)
    on_progress(Tick("validate", "pySHACL", len(data), None, "triples", final=True))
    log.info("validation timings: shapes %.2fs, aggregates %.2fs, subgraph %.2fs, pySHACL %.2fs",
             t1 - t0, t2 - t1, t3 - t2, t4 - t3)
    report_graph.bind("sh", SH)
    for k, v in PREFIXES.items():
        report_graph.bind(k, v)
    report_graph.bind("lsv", LSV)
    needs = dict(agg.needs)
    if "policy" in chosen and pol is None:
        needs["policy"] = ("a company policy file (--policy FILE; 'loopsource run' reads DATA_DIR/policy.yaml "
                           "and records it in the store)")
    return ValidationReport(
        conforms=not any(r.severity == "violation" for r in results), results=tuple(results), profiles=chosen
        + tuple(sorted({i.profile for i in shapes.info.values() if i.profile.startswith("user:")})),
        rules=tuple(shapes.rules), as_of=as_of, shacl_turtle=report_graph.serialize(format="turtle"),
        notes=tuple(notes), seconds=time.perf_counter() - t0, assessments=_assessments(agg, results),
        not_checked={p: needs[p] for p in chosen if p in needs}, period=period,
        readiness=readiness(chosen, settings, as_of, agg.triples), context=dict(context or {}), aggregates=agg)


def _purchase_years(index: Index) -> list[int]:
    """The calendar years of the purchases in the graph: the period a validation covers."""
    dates = index.fetch(LS + "date")
    years = []
    for p in index.instances(LS + "Purchase"):
        for d in dates.get(p, ()):
            text = getattr(d, "value", "")
            if text[:4].isdigit():
                years.append(int(text[:4]))
    return years


def _setting_notes(settings: Settings, chosen: Sequence[str]) -> list[str]:
    """Say which act dates a settings file set, so a reader knows what was assumed."""
    notes = []
    what = {"batteries_delegated_act": ("eu-batteries", "Batteries Art. 8(1) documentation"),
            "ppwr_implementing_act": ("eu-ppwr", "PPWR Art. 7(1) minimums")}
    for key, (profile, label) in what.items():
        if profile not in chosen:
            continue
        act = settings.act_date(key)  # unset: the Regulation's fixed date (docs/compliance.md)
        if act is not None:
            notes.append(f"{label}: {key} = {act.isoformat()} ({settings.file}), later-of rule with "
                         f"+{DEFERRALS[key]} months")
    return notes


def _assessments(agg: AggregateGraph, results: Sequence[ValidationResult]) -> tuple[Assessment, ...]:
    """Everything the EU profiles assessed, with the results about each (by profile and focus)."""
    found: dict[tuple[str, str], list[str]] = {}
    for r in results:
        found.setdefault((r.profile, r.focus), []).append(f"{r.severity} {r.code}")
    out: list[Assessment] = []
    for s in agg.scopes:
        if s.kind is None:
            out.append(Assessment(s.profile, s.product, s.reason, s.gap or "", "not assessed"))
    for u in agg.units:
        figures = ", ".join(f"{k.lower()} {v:.3g}" for k, v in sorted(u.shares.items()))
        out.append(Assessment(u.profile, u.focus, u.scope, u.evidence, figures))
    for c in agg.concentration:
        top = f"{c.top_country} {c.top_share:.3g}" if c.top_country else "no third country"
        out.append(Assessment("eu-crma", c.focus, f"Annex {c.annex} {c.label}, {c.year}: Art. 5(1)(d) benchmark "
                              f"{c.benchmark:g} (risk indicator)", f"contained element mass of {len(c.purchases)} "
                              f"purchases ({', '.join(c.materials)}) by supplier-site country",
                              f"largest third country {top}"))
    for m in agg.mapping:
        out.append(Assessment("eu-crma", m.material, f"Art. 24(1) supply-chain mapping of {m.entry}",
                              f"upstream.csv: {len(m.sites) - len(m.unmapped)} of {len(m.sites)} supplier sites "
                              f"mapped beyond the direct supplier",
                              f"origin countries {', '.join(m.origin_countries) or 'unknown'}"))
    return tuple(Assessment(a.profile, a.focus, a.scope, a.evidence, a.figures,
                            tuple(sorted(found.get((a.profile, a.focus), [])))) for a in out)


def _data_graph(store: GraphStore, graphs: list[str], index: Index, shapes: rdflib.Graph,
                notes: list[str]) -> rdflib.Graph:
    """The data pySHACL validates: the candidates' subgraph, or everything when the shapes are not local."""
    full = needs_full_graph(shapes)
    if full:
        note = f"{full}: pySHACL sees the whole data graph, which is slow on large stores"
        log.warning(note)
        notes.append(note)
        return full_graph(store, graphs)
    finder = Candidates(index, shapes)
    candidates: set[Any] = set()
    nodes, parent = shape_nodes(shapes)
    for shape in nodes:
        if shape in parent or (shape, SH.deactivated, Literal(True)) in shapes:
            continue
        if any(str(c).startswith(LSV) for c in shapes.objects(shape, SH.targetClass)):
            continue  # aggregate nodes: all of them go to pySHACL anyway
        candidates |= finder.candidates(shape)
    fwd, inv = referenced_predicates(shapes)
    target_nodes = frozenset(x for x in (to_ox(o) for o in shapes.objects(None, SH.targetNode)) if x is not None)
    data = subgraph(index, candidates, fwd, inv, target_only_inverse(shapes), target_nodes)
    log.info("validation: %d candidate focus nodes (%d store reads); pySHACL data graph %d triples",
             len(candidates), index.patterns, len(data))
    return data


def _pyshacl(data: rdflib.Graph, shapes: rdflib.Graph) -> rdflib.Graph:
    """pySHACL's report graph (inference off: the store holds the inferred graph already)."""
    import pyshacl

    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, inplace=True,
            allow_infos=True, allow_warnings=True, abort_on_first=False)
    except Exception as e:  # pySHACL reports malformed shapes with its own exception types
        raise ShapesError(f"the shapes cannot be used: {type(e).__name__}: {e}") from None
    return report_graph


# ---------------------------------------------------------------------------- naming results
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


def _collect(report: rdflib.Graph, data: rdflib.Graph, shapes: Shapes) -> list[ValidationResult]:
    """pySHACL's results with profile and code, CSV ids for nodes and the message placeholders filled."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        focus_node = report.value(r, SH.focusNode)
        source = report.value(r, SH.sourceShape)
        meta = shapes.info.get(source) or ShapeInfo("user", local_name(str(source)) if isinstance(source, URIRef)
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
    out.sort(key=lambda x: (profile_rank(x.profile), rank[x.severity], x.code, x.focus, x.path or "", x.value or "",
                            x.message))
    return out
