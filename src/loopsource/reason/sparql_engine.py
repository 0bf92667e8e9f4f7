"""The ``sparql`` engine: OWL 2 RL computed *in the store*, by SPARQL Update, to a fixpoint.

The ``rules`` engine reads the whole graph into Python; on a remote endpoint that is a
download of everything. This engine sends rules instead of fetching data:

1. The schema (ontology graph, plus schema-shaped triples of the asserted graph: a user's own
   axioms) is read - a few thousand triples - and closed by owlrl, cached like the ``rules``
   engine does (:meth:`RulesEngine.schema_closure`). The inferences that follow from the
   schema alone are computed in Python by the ``rules`` engine's chainer and inserted.
2. The data-level rules the ``rules`` engine implements (cax-sco, cax-eqc, prp-dom, prp-rng,
   prp-spo1, prp-eqp, prp-inv, prp-symp, prp-trp, prp-spo2, cls-svf1, cls-hv1/2, cls-int1/2,
   cls-avf) are compiled from that schema closure into one SPARQL Update statement per rule
   kind, ``INSERT { GRAPH <staging> { ... } } USING <ontology> USING <asserted> USING
   <staging> ... WHERE { VALUES (...) { ...schema rows... } ... FILTER NOT EXISTS { ... } }``.
3. Rounds run until a round adds nothing. The first runs every statement over everything;
   each later round only joins with the triples the round before added (semi-naive
   evaluation: each body atom in turn read from those new triples, kept in graphs of their
   own). At 1 M asserted triples on ``oxigraph serve``, rounds 2 and 3 cost as much as the
   first when evaluated whole (about 60 s each), and most of round 2's work found nothing new.
   The rounds' graphs are added to the staging graph, which then replaces the inferred graph
   in one update.

Clean closure, as the ``rules`` engine (:func:`..engine.is_noise`): the WHERE clauses keep
literal and blank-node subjects, blank-node objects, subjects in the built-in vocabularies,
typing with owl:Thing / rdfs:Resource / built-in classes and reflexive
sameAs/subClassOf/equivalence triples out of the inferred graph. Class expressions that are
blank nodes in the schema (restrictions, intersections) get a skolem IRI
(``urn:loopsource:reason:class:...``); memberships in them are kept in a work graph, which
the rules read and which is dropped at the end, so they never reach the inferred graph.

One difference from the ``rules`` engine, by design: that engine also chains through
intermediate triples that are noise (for example a blank node of the user's own data) and
keeps what comes out clean; this one never derives from blank nodes of the data. loopsource's
own data has none; the differential tests compare the two engines on it.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from ..rdf.terms import Triple, parse_ntriples
from ..rdf.vocab import GRAPHS, OWL, RDFS
from .engine import (_REFLEXIVE_NOISE, _SCHEMA_PREDICATES, _SCHEMA_TYPES, _UNSUPPORTED, BUILTIN, ENGINES, TYPE,
                     Engine, RulesEngine, _Chainer, _Tables, is_noise, is_schema)

SKOLEM = "urn:loopsource:reason:class:"
_NOT_A_SUBJECT = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", RDFS, OWL, "http://www.w3.org/2001/XMLSchema#")
_TOP = (f"<{OWL}Thing>", f"<{RDFS}Resource>")


class Writer(Protocol):
    """What the engine needs of a store while it works: updates and counts of one graph."""

    def update(self, sparql_update: str) -> None: ...

    def count_graph(self, graph: str) -> int: ...


STAGING, WORK = "staging", "work"  # where a rule writes: the inferred graph (clean) or the work graph


@dataclass(frozen=True)
class Rule:
    """One compiled rule: ``INSERT { GRAPH <target> { template } } WHERE { values atoms filters }``.

    ``atoms`` are the body's triple patterns. After the first round a rule only needs the
    bindings that use a triple new in the previous round (semi-naive evaluation), so from round
    2 on each atom of ``step`` (default: ``atoms``) in turn is read from that round's new
    triples (:meth:`Plan.statements_for`). prp-trp differs: its first round follows a property
    path (the whole closure at once), its later rounds join one step, ``?x p ?y . ?y p ?z``,
    which is enough once the closure so far is materialised."""

    target: str  # STAGING or WORK
    template: str
    values: str
    atoms: tuple[str, ...]
    filters: str
    step: tuple[str, ...] = ()

    def where(self, delta: tuple[int, str] | None = None) -> str:
        """The WHERE body; ``delta`` = (atom index, graph): that atom of the step read from that
        graph only, first, since it is the small side of the join."""
        atoms = list(self.atoms)
        if delta is not None:
            i, graph = delta
            atoms = list(self.step or self.atoms)
            atoms = [f"GRAPH <{graph}> {{ {atoms[i]} }}"] + atoms[:i] + atoms[i + 1:]
        return "\n".join(x for x in (self.values, " . ".join(atoms) + " .", self.filters) if x)


@dataclass(frozen=True)
class Plan:
    """The compiled rules for one schema, and the schema-only inferences.

    Round 1 writes into ``staging`` and ``work``; round k > 1 into :meth:`new_graph` (k, role),
    reading the body atoms of round k - 1's new graphs; the rounds' graphs are added to
    ``staging`` at the end (:func:`run_plan`)."""

    rules: tuple[Rule, ...]
    schema_inferred: tuple[Triple, ...]
    staging: str
    work: str
    graphs: tuple[str, ...]  # the graphs the rules read besides their own outputs

    def new_graph(self, round_: int, role: str) -> str:
        base = self.staging if role == STAGING else self.work
        return base if round_ == 1 else f"{self.work}-round{round_}-{role}"

    def _using(self, round_: int, named: str | None = None) -> list[str]:
        outputs = [self.new_graph(k, role) for k in range(1, round_ + 1) for role in (STAGING, WORK)]
        return [f"USING <{g}>" for g in (*self.graphs, *outputs)] + ([f"USING NAMED <{named}>"] if named else [])

    def statements_for(self, round_: int, new: Sequence[str]) -> tuple[str, ...]:
        """The statements of round ``round_`` (round 1: every rule over everything); ``new``: the
        previous round's non-empty new graphs."""
        out = []
        for rule in self.rules:
            target = self.new_graph(round_, rule.target)
            if round_ == 1:
                out.append(_insert(target, rule.template, rule.where(), self._using(round_)))
                continue
            for graph in new:
                for i in range(len(rule.step or rule.atoms)):
                    out.append(_insert(target, rule.template, rule.where((i, graph)), self._using(round_, graph)))
        return tuple(out)


@dataclass(frozen=True)
class InStoreResult:
    rounds: int
    inferred: int
    seconds: float


# ---------------------------------------------------------------------------- terms and filters
def _term(t: str) -> str:
    """A schema term as SPARQL text: blank nodes of the schema closure become skolem IRIs."""
    return f"<{SKOLEM}{t[2:]}>" if t.startswith("_:") else t


def _subject_ok(var: str) -> str:
    """FILTER text: ``var`` may be the subject of a clean triple (an IRI outside the built-in vocabularies)."""
    outside = " && ".join(f'!STRSTARTS(STR({var}), "{ns}")' for ns in _NOT_A_SUBJECT)
    return f"isIRI({var}) && {outside}"


def _object_ok(var: str) -> str:
    """FILTER text: ``var`` may be the object of a clean triple."""
    return f"!isBlank({var}) && {var} NOT IN ({', '.join(_TOP)})"


def _values(variables: str, rows: Iterable[Sequence[str]]) -> str:
    body = " ".join("(" + " ".join(_term(x) for x in row) + ")" for row in sorted(set(map(tuple, rows))))
    return f"VALUES ({variables}) {{ {body} }}"


class _Router:
    """Where a derived typing ``?x a C`` goes: the inferred graph (clean), the work graph
    (noise that other rules still read: restriction memberships), or nowhere."""

    def __init__(self, tables: _Tables):
        t = tables
        self.read = (set(t.sup_classes) | set(t.hv_by_restriction) | set(t.intersections) | set(t.conjuncts)
                     | set(t.svf_by_filler) | set(t.avf_by_restriction))

    def graph(self, cls: str) -> str | None:
        if not (cls.startswith("_:") or cls.startswith(BUILTIN) or cls in _TOP):
            return STAGING
        return WORK if cls in self.read else None

    def split(self, rows: Iterable[tuple[str, ...]], cls_index: int) -> dict[str, list[tuple[str, ...]]]:
        out: dict[str, list[tuple[str, ...]]] = {}
        for row in rows:
            g = self.graph(row[cls_index])
            if g is not None:
                out.setdefault(g, []).append(row)
        return out


def _insert(target: str, template: str, where: str, using: Sequence[str]) -> str:
    """``using``: USING / USING NAMED clauses (a GRAPH in the body reads only the NAMED ones)."""
    return f"INSERT {{ GRAPH <{target}> {{ {template} }} }}\n{' '.join(using)}\nWHERE {{\n{where}\n}}"


def _most_specific(rows: Iterable[tuple[str, str]], t: _Tables, route: _Router) -> list[tuple[str, str]]:
    """prp-dom/prp-rng rows (property, class) without a class that the same property already
    gives through a strictly narrower class whose typing is kept: cax-sco derives the wider one
    from it. Why: the generated data's purchase properties have domain Purchase, MaterialFlow
    and prov:Activity; one lookup per triple instead of three made prp-dom about three times
    faster, and the closure is the same."""
    by_prop: dict[str, set[str]] = {}
    for p, c in rows:
        by_prop.setdefault(p, set()).add(c)
    out = []
    for p, classes in by_prop.items():
        for c in classes:
            if not any(d != c and c in t.sup_classes.get(d, ()) and d not in t.sup_classes.get(c, ())
                       and route.graph(d) is not None for d in classes):
                out.append((p, c))
    return out


# ---------------------------------------------------------------------------- the rules
def _typing_rules(t: _Tables, route: _Router) -> list[Rule]:
    """The rules that derive ``?x a C``: cax-sco, cax-eqc, cls-int2, cls-hv2, cls-int1,
    cls-svf1, prp-dom, prp-rng, cls-avf."""
    out: list[Rule] = []
    x_ok = f"FILTER({_subject_ok('?x')})"
    y_ok = f"FILTER({_subject_ok('?y')})"
    pairs = [(c, d) for c, ds in t.sup_classes.items() for d in ds if c != d]
    pairs += [(c, part) for c, parts in t.conjuncts.items() for part in parts]  # cls-int2
    for g, rows in route.split(pairs, 1).items():  # cax-sco, cax-eqc, cls-int2
        out.append(Rule(g, "?x a ?d", _values('?c ?d', rows), ("?x a ?c",), f"FILTER NOT EXISTS {{ ?x a ?d }} {x_ok}"))
    hv2 = [(p, v, r) for (p, v), rs in t.hv_by_prop_value.items() for r in rs]
    for g, rows in route.split(hv2, 2).items():  # cls-hv2
        out.append(Rule(g, "?x a ?r", _values('?p ?v ?r', rows), ("?x ?p ?v",), f"FILTER NOT EXISTS {{ ?x a ?r }} {x_ok}"))
    for c, parts in sorted(t.conjuncts.items()):  # cls-int1
        g = route.graph(c)
        if g is not None and parts:
            out.append(Rule(g, f"?x a {_term(c)}", "", tuple(f"?x a {_term(p)}" for p in parts),
                            f"FILTER NOT EXISTS {{ ?x a {_term(c)} }} {x_ok}"))
    svf = [(p, f, r) for p, rs in t.svf_by_prop.items() for r, f in rs]
    for g, rows in route.split([row for row in svf if row[1] != t.thing], 2).items():  # cls-svf1
        out.append(Rule(g, "?x a ?r", _values('?p ?f ?r', rows), ("?x ?p ?y", "?y a ?f"),
                        f"FILTER NOT EXISTS {{ ?x a ?r }} {x_ok}"))
    for g, rows in route.split([(p, r) for p, f, r in svf if f == t.thing], 1).items():  # cls-svf1, owl:Thing
        out.append(Rule(g, "?x a ?r", _values('?p ?r', rows), ("?x ?p ?y",),
                        f"FILTER(!isLiteral(?y)) FILTER NOT EXISTS {{ ?x a ?r }} {x_ok}"))
    dom = _most_specific(((p, c) for p, cs in t.domains.items() for c in cs), t, route)
    for g, rows in route.split(dom, 1).items():  # prp-dom
        out.append(Rule(g, "?x a ?c", _values('?p ?c', rows), ("?x ?p ?y",), f"FILTER NOT EXISTS {{ ?x a ?c }} {x_ok}"))
    rng = _most_specific(((p, c) for p, cs in t.ranges.items() for c in cs), t, route)
    for g, rows in route.split(rng, 1).items():  # prp-rng
        out.append(Rule(g, "?y a ?c", _values('?p ?c', rows), ("?x ?p ?y",), f"FILTER NOT EXISTS {{ ?y a ?c }} {y_ok}"))
    avf = [(r, p, f) for p, rs in t.avf_by_prop.items() for r, f in rs]
    for g, rows in route.split(avf, 2).items():  # cls-avf
        out.append(Rule(g, "?y a ?f", _values('?r ?p ?f', rows), ("?x a ?r", "?x ?p ?y"),
                        f"FILTER NOT EXISTS {{ ?y a ?f }} {y_ok}"))
    return out


def _reflexive(s: str, o: str, props: Iterable[str], var: str | None = None) -> str:
    """FILTER text that keeps reflexive sameAs/subClassOf/... triples out (only where they can arise)."""
    noisy = sorted(set(props) & _REFLEXIVE_NOISE)
    if not noisy:
        return ""
    if var is None:
        return f"FILTER({s} != {o})"
    return f"FILTER({s} != {o} || {var} NOT IN ({', '.join(noisy)}))"


def _property_rules(t: _Tables) -> list[Rule]:
    """The rules that derive property triples: cls-hv1, prp-spo1, prp-eqp, prp-inv, prp-symp,
    prp-trp and prp-spo2 (chains)."""
    out: list[Rule] = []
    xy = f"FILTER({_subject_ok('?x')} && {_object_ok('?y')})"
    hv1 = [(r, p, v) for r, (p, v) in t.hv_by_restriction.items() if not is_noise("<urn:x>", p, v)]
    # A literal value is written into the statement, not bound by VALUES: Virtuoso 7.2.5's
    # FILTER NOT EXISTS { ?x ?p ?v } does not match a literal ?v from VALUES against the stored
    # copy once a graph holding that literal has been dropped (a second build), and re-derives
    # asserted triples; with the literal as a constant it matches (docs/remote.md).
    iris = [row for row in hv1 if not row[2].startswith('"')]
    if iris:
        out.append(Rule(STAGING, "?x ?p ?v", _values('?r ?p ?v', iris), ("?x a ?r",),
                        f"FILTER NOT EXISTS {{ ?x ?p ?v }} FILTER({_subject_ok('?x')}) "
                        f"{_reflexive('?x', '?v', (p for _, p, _ in iris), '?p')}"))
    for r, p, v in sorted(row for row in hv1 if row[2].startswith('"')):
        out.append(Rule(STAGING, f"?x {p} {v}", "", (f"?x a {_term(r)}",),
                        f"FILTER NOT EXISTS {{ ?x {p} {v} }} FILTER({_subject_ok('?x')})"))
    spo = [(p, q) for p, qs in t.sup_props.items() for q in qs if p != q]
    if spo:
        out.append(Rule(STAGING, "?x ?q ?y", _values('?p ?q', spo), ("?x ?p ?y",),
                        f"FILTER NOT EXISTS {{ ?x ?q ?y }} {xy} {_reflexive('?x', '?y', (q for _, q in spo), '?q')}"))
    yx = f"FILTER(!isLiteral(?y) && {_subject_ok('?y')} && {_object_ok('?x')})"
    inv = [(p, q) for p, qs in t.inverse.items() for q in qs]
    if inv:
        out.append(Rule(STAGING, "?y ?q ?x", _values('?p ?q', inv), ("?x ?p ?y",),
                        f"FILTER NOT EXISTS {{ ?y ?q ?x }} {yx} {_reflexive('?x', '?y', (q for _, q in inv), '?q')}"))
    if t.symmetric:
        out.append(Rule(STAGING, "?y ?p ?x", _values('?p', [(p,) for p in t.symmetric]), ("?x ?p ?y",),
                        f"FILTER NOT EXISTS {{ ?y ?p ?x }} {yx} {_reflexive('?x', '?y', t.symmetric, '?p')}"))
    xz = f"FILTER({_subject_ok('?x')} && {_object_ok('?z')})"
    for p in sorted(t.transitive):  # prp-trp: the whole closure in one statement (a property path), then steps
        out.append(Rule(STAGING, f"?x {p} ?z", "", (f"?x {p} ?y", f"?y {p}+ ?z"),
                        f"FILTER NOT EXISTS {{ ?x {p} ?z }} {xz} {_reflexive('?x', '?z', [p])}",
                        step=(f"?x {p} ?y", f"?y {p} ?z")))
    chains = {(prop, tuple(steps)) for lst in t.chains.values() for prop, steps, _ in lst}
    for prop, steps in sorted(chains):  # prp-spo2
        last = f"?x{len(steps)}"
        out.append(Rule(STAGING, f"?x0 {prop} {last}", "", tuple(f"?x{i} {s} ?x{i + 1}" for i, s in enumerate(steps)),
                        f"FILTER NOT EXISTS {{ ?x0 {prop} {last} }} "
                        f"FILTER({_subject_ok('?x0')} && {_object_ok(last)}) {_reflexive('?x0', last, [prop])}"))
    return out


def compile_rules(tbox: set[Triple], given_schema: Iterable[Triple], graphs: Sequence[str],
                  staging: str, work: str) -> Plan:
    """The plan for a schema closure ``tbox``: rules reading ``graphs`` and their own outputs."""
    tables = _Tables(tbox)
    route = _Router(tables)
    rules = tuple(_typing_rules(tables, route) + _property_rules(tables))
    # what the schema alone entails, by the rules engine's chainer (a few hundred triples)
    chainer = _Chainer(tables)
    given = set(given_schema)
    for s, p, o in [*tbox, *given]:
        chainer.add(s, p, o)
    chainer.run()
    schema_inferred = tuple(sorted(t for t in chainer.all if t not in given and not is_noise(*t)))
    return Plan(rules, schema_inferred, staging, work, tuple(graphs))


def _insert_known(plan: Plan) -> str | None:
    """The statement that adds the schema-only inferences (those not already in the store)."""
    if not plan.schema_inferred:
        return None
    where = f"{_values('?s ?p ?o', plan.schema_inferred)}\nFILTER NOT EXISTS {{ ?s ?p ?o }}"
    return _insert(plan.staging, "?s ?p ?o", where, [f"USING <{g}>" for g in (*plan.graphs, plan.staging)])


def _drop_rounds(plan: Plan, rounds: int) -> str:
    return " ;\n".join(f"DROP SILENT GRAPH <{plan.new_graph(k, role)}>"
                       for k in range(2, max(rounds, 2) + 1) for role in (STAGING, WORK))


def run_plan(plan: Plan, writer: Writer, progress: Callable[[str], None] = lambda _m: None) -> int:
    """Run the plan to a fixpoint, semi-naively (see :class:`Rule`); returns the number of
    rounds. The inferred triples end in ``plan.staging``; the rounds' own graphs are dropped
    (the work graph is the caller's to drop)."""
    first = _insert_known(plan)
    if first:
        writer.update(first)
    rounds, new = 0, [plan.staging, plan.work]
    try:
        while True:
            rounds += 1
            for statement in plan.statements_for(rounds, new):
                writer.update(statement)
            outputs = [plan.new_graph(rounds, role) for role in (STAGING, WORK)]
            counts = [writer.count_graph(g) for g in outputs]
            progress(f"reasoning round {rounds}: {sum(counts):,} new triples")
            if not any(counts):
                break
            new = [g for g, n in zip(outputs, counts) if n]
        merged = [plan.new_graph(k, STAGING) for k in range(2, rounds + 1)]
        if merged:  # small: what rounds after the first found
            writer.update(" ;\n".join(f"ADD SILENT <{g}> TO <{plan.staging}>" for g in merged))
    except BaseException:
        try:  # best effort: the error that stopped the rounds is the one to report
            writer.update(_drop_rounds(plan, rounds))
        except Exception:  # noqa: BLE001
            pass
        raise
    if rounds > 1:
        writer.update(_drop_rounds(plan, rounds))
    return rounds


# ---------------------------------------------------------------------------- reading the schema
def schema_queries(graph_values: str) -> tuple[str, str]:
    """SELECTs of the schema-shaped triples (the ``rules`` engine's :func:`is_schema`) of some
    graphs: by predicate, and by type. Two queries, not one UNION: Virtuoso 7.2.5 crashes
    (segmentation fault) on VALUES inside a UNION inside GRAPH ?g."""
    preds = " ".join(sorted(_SCHEMA_PREDICATES))
    types = " ".join(sorted(_SCHEMA_TYPES))
    return (f"SELECT ?s ?p ?o WHERE {{ {graph_values} VALUES ?p {{ {preds} }} GRAPH ?g {{ ?s ?p ?o }} }}",
            f"SELECT ?s ?p ?o WHERE {{ {graph_values} VALUES ?o {{ {types} }} VALUES ?p {{ {TYPE} }} "
            f"GRAPH ?g {{ ?s ?p ?o }} }}")


def unsupported_query(graph_values: str) -> str:
    """SELECT of the schema constructs this engine (like the ``rules`` engine) does not implement."""
    terms = " ".join(sorted(_UNSUPPORTED))
    return (f"SELECT DISTINCT ?x WHERE {{ {graph_values} VALUES ?x {{ {terms} }} "
            f"GRAPH ?g {{ {{ ?s ?x ?o }} UNION {{ ?s ?p ?x }} }} }}")


# ---------------------------------------------------------------------------- the Engine interface
class _OxWriter:
    """A pyoxigraph store as a :class:`Writer` (in memory for :meth:`SparqlEngine.closure`, or the
    new generation of an embedded store)."""

    def __init__(self, store: ox.Store):
        self.store = store

    def update(self, sparql_update: str) -> None:
        self.store.update(sparql_update)

    def count_graph(self, graph: str) -> int:
        res = self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(res))[0].value)  # type: ignore[arg-type, index]


class SparqlEngine(Engine):
    """The ``sparql`` engine. In the reason stage it runs inside the store (see the module
    docstring and :func:`..stage.reason`); :meth:`closure` runs the same statements on an
    in-memory Oxigraph store, for the differential and conformance tests."""

    name = "sparql"

    def __init__(self) -> None:
        self.rules = RulesEngine()
        self.version = self.rules.version.replace("loopsource", "loopsource sparql", 1)
        self.note = ""

    def unsupported(self, triples: Iterable[Triple]) -> list[str]:
        return sorted({x for _s, p, o in triples for x in (p, o) if x in _UNSUPPORTED})

    def plan(self, schema: list[Triple], graphs: Sequence[str], tag: str | None = None,
             staging: str | None = None) -> Plan:
        """Rules for ``schema`` reading ``graphs``, writing ``staging`` (default: a fresh graph)."""
        tag = tag or uuid.uuid4().hex
        tbox = self.rules.schema_closure(schema)
        # beside a server's new generation, the work graphs are named after it: a run cut off
        # leaves graphs that the next build drops as leftovers (store.pointers.leftovers)
        work = f"{staging}-work" if staging and staging != GRAPHS.inferred else f"{GRAPHS.inferred}#work-{tag}"
        return compile_rules(tbox, schema, graphs, staging or f"{GRAPHS.inferred}#reasoning-{tag}", work)

    def closure(self, schema_and_data: list[Triple]) -> set[Triple]:
        unsupported = self.unsupported(schema_and_data)
        if unsupported:  # the same hand-over as the rules engine, with the same note
            full = self.rules.closure(schema_and_data)
            self.note = self.rules.note
            return full
        store = ox.Store()
        text = "".join(f"{s} {p} {o} .\n" for s, p, o in schema_and_data)
        store.load(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPHS.asserted))
        schema = [t for t in schema_and_data if is_schema(t)]
        plan = self.plan(schema, [GRAPHS.asserted], "closure")
        run_plan(plan, _OxWriter(store))
        inferred = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(plan.staging))
        return set(schema_and_data) | self.rules.schema_closure(schema) | set(parse_ntriples(inferred.decode("utf-8")))


ENGINES[SparqlEngine.name] = SparqlEngine
