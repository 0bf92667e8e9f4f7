"""The meta graph protocol: what produced a store (PROV-O activities) and whether its
inferred graph is current.

``build`` writes a ``build`` activity and marks the inferred graph ``stale``; ``reason``
writes a ``reason`` activity and marks it ``current``. Readers ask :func:`inferred_status`.
Both writers use :func:`activity_triples`, so the record has one shape.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

import pyoxigraph as ox

from .. import __version__
from ..rdf.terms import Triple, parse_ntriples, string_literal, to_ntriples
from ..rdf.vocab import GRAPHS, LS, PROV, RDF_TYPE, RUN, XSD, xsd_datetime
from .base import GraphStore

STATUSES = ("current", "stale", "missing")


def activity_triples(activity: str, status: str, started: datetime, ended: datetime, *,
                     counts: Mapping[str, int] | None = None, details: Mapping[str, str] | None = None,
                     generated: bool = False) -> list[str]:
    """N-Triples lines of one activity (``build`` or ``reason``) and the inferred graph's status.

    ``counts`` become ``ls:triples<Graph>`` integers, ``details`` plain ``ls:<key>`` literals
    (already formatted N-Triples objects when they start with a quote); ``generated`` says that
    the activity produced the inferred graph (``prov:wasGeneratedBy``).
    """
    run = f"<{RUN}{activity}>"
    lines = [
        f"{run} <{RDF_TYPE}> <{PROV}Activity> .",
        f'{run} <{PROV}startedAtTime> "{xsd_datetime(started)}"^^<{XSD}dateTime> .',
        f'{run} <{PROV}endedAtTime> "{xsd_datetime(ended)}"^^<{XSD}dateTime> .',
        f"{run} <{LS}softwareVersion> {string_literal(f'loopsource {__version__}')} .",
    ]
    for key, value in (details or {}).items():
        obj = value if value.startswith('"') else string_literal(value)
        lines.append(f"{run} <{LS}{key}> {obj} .")
    for graph, n in (counts or {}).items():
        lines.append(f'{run} <{LS}triples{graph.capitalize()}> "{n}"^^<{XSD}integer> .')
    if generated:
        lines.append(f"<{GRAPHS.inferred}> <{PROV}wasGeneratedBy> {run} .")
    lines.append(f'<{GRAPHS.inferred}> <{LS}status> "{status}" .')
    return lines


def without_activity(meta: list[Triple], activity: str) -> list[Triple]:
    """The meta graph less an activity's own record and the inferred graph's status (to be rewritten)."""
    run = f"<{RUN}{activity}>"
    return [t for t in meta if t[0] != run and t[0] != f"<{GRAPHS.inferred}>"]


def inferred_status(store: GraphStore) -> str:
    """'current' after a reason, 'stale' after a build, 'missing' for an unknown store."""
    res = store.select(f"SELECT ?s WHERE {{ GRAPH <{GRAPHS.meta}> {{ <{GRAPHS.inferred}> <{LS}status> ?s }} }}")
    return res.rows[0][0].value if res.rows else "missing"  # type: ignore[union-attr]


# ---------------------------------------------------------------------------- compliance context
#: The activity that records what a store's compliance answer rests on: the as-of date, the
#: company policy file and the settings file (content, path and SHA-256 of each), written by
#: ``loopsource run`` and ``loopsource validate --record``. ``build`` starts a new meta graph,
#: so a rebuilt store has none; ``reason`` keeps it.
COMPLIANCE = "compliance"


def record_activity(store: GraphStore, activity: str, details: Mapping[str, str]) -> None:
    """Replace one activity's record in the meta graph (``ls:<key>`` literals, N-Triples objects
    when they start with a quote), leaving the rest of the meta graph as it is."""
    run = f"<{RUN}{activity}>"
    kept = [t for t in parse_ntriples(store.export(GRAPHS.meta, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
            if t[0] != run]
    now = datetime.now(timezone.utc)
    lines = [f"{run} <{RDF_TYPE}> <{PROV}Activity> .",
             f'{run} <{PROV}endedAtTime> "{xsd_datetime(now)}"^^<{XSD}dateTime> .',
             f"{run} <{LS}softwareVersion> {string_literal(f'loopsource {__version__}')} ."]
    for key, value in details.items():
        lines.append(f"{run} <{LS}{key}> {value if value.startswith(chr(34)) else string_literal(value)} .")
    text = to_ntriples(kept) + "\n".join(lines) + "\n"
    store.replace_graphs({GRAPHS.meta: [(text, ox.RdfFormat.N_TRIPLES)]})


def read_activity(store: GraphStore, activity: str) -> dict[str, str]:
    """The ``ls:<key>`` values (lexical forms) and ``endedAtTime`` of an activity; empty when
    the store has no record of it."""
    res = store.select(f"SELECT ?p ?o WHERE {{ GRAPH <{GRAPHS.meta}> {{ <{RUN}{activity}> ?p ?o }} }}")
    out: dict[str, str] = {}
    for p, o in res.rows:
        if p is None or o is None:
            continue
        name = p.value
        if name.startswith(LS):
            out[name[len(LS):]] = o.value
        elif name == PROV + "endedAtTime":
            out["endedAtTime"] = o.value
    return out
