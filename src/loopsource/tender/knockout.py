"""Knock-out requirements as SHACL shapes, generated from the criteria file, and their check.

Each requirement of a lot becomes one or more SHACL Core property shapes on the class of
that lot's bids (``<lot IRI>#bids``, see ``load.bids.lot_bids_class``): a threshold
(``sh:minInclusive``/``sh:maxInclusive``), a declaration (``sh:minCount 1``), a value
(``sh:hasValue``, ``sh:in``) or a piece of evidence (``sh:minCount 1`` on ``ls:certificate``
or ``ls:chainOfCustody``). ``tender`` checks the bids with pySHACL against exactly this text;
``loopsource tender --shapes-out FILE`` writes it, so ``loopsource validate --shapes FILE``
gives the same knock-outs once the bids are in a store (docs/tender.md).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.namespace import RDF, SH

from ..errors import ShapesError
from ..load.bids import Bid, lot_bids_class
from ..rdf.terms import string_literal
from ..rdf.vocab import LS, code_lists
from ..validate.shapes import parse_shapes_text
from .criteria import BASES, Criteria, Lot, Requirement

KO_NS = "https://w3id.org/loopsource/tender/"


@dataclass(frozen=True)
class Check:
    """One generated property shape: what it tests and how a failure reads."""

    shape: str  # IRI of the property shape
    lot: str
    requirement: int  # 1-based position in the lot's requirements
    code: str
    path: str  # ls: property
    constraint: str  # SHACL constraint, e.g. sh:minInclusive
    missing_evidence: str | None  # certificate | chain_of_custody | None
    text: str  # the requirement in words


@dataclass(frozen=True)
class KnockOut:
    """One failed check of one bid (a SHACL validation result)."""

    bid: str
    lot: str
    code: str
    path: str
    constraint: str
    value: str | None
    message: str
    missing_evidence: str | None
    requirement: str


def _dec(x: float) -> str:
    return f'"{x!r}"^^xsd:decimal' if isinstance(x, float) else f'"{x}"^^xsd:decimal'


def _checks(lot: Lot, i: int, r: Requirement) -> list[tuple[str, str, str, str, str | None, str]]:
    """(suffix, code, path, constraints in Turtle, missing evidence, message) of one requirement."""
    v = r.value
    if r.kind in ("min_recycled_share", "min_post_consumer_share"):
        path = "offeredRecycledShare" if r.kind == "min_recycled_share" else "recycledPostConsumerShare"
        code = "KO-RECYCLED-SHARE" if r.kind == "min_recycled_share" else "KO-POST-CONSUMER-SHARE"
        what = "recycled share" if r.kind == "min_recycled_share" else "post-consumer recycled share"
        out = [("declared", code, path, "sh:minCount 1", None, f"bid {{$this}} declares no {what} (at least {v:g} required)"),
               ("value", code, path, f"sh:minInclusive {_dec(v)}", None,
                f"bid {{$this}}: {what} {{?value}} is below the required {v:g}")]
        for ev in r.evidence:
            prop = "certificate" if ev == "certificate" else "chainOfCustody"
            out.append((ev, f"KO-EVIDENCE-{ev.upper().replace('_', '-')}", prop, "sh:minCount 1", ev,
                        f"bid {{$this}}: missing evidence: the recycled-content claim has no {ev.replace('_', ' ')}"))
        return out
    if r.kind == "take_back":
        return [("value", "KO-TAKE-BACK", "takeBack", 'sh:hasValue "true"^^xsd:boolean', None,
                 "bid {$this} does not offer take-back")]
    if r.kind == "certification":
        return [("value", "KO-CERTIFICATION", "certification", f"sh:hasValue {string_literal(v)}", None,
                 f"bid {{$this}}: the tenderer does not hold {v}")]
    if r.kind == "max_lead_time_days":
        return [("declared", "KO-LEAD-TIME", "leadTimeDays", "sh:minCount 1", None,
                 f"bid {{$this}} states no lead time (at most {v:g} days required)"),
                ("value", "KO-LEAD-TIME", "leadTimeDays", f"sh:maxInclusive {_dec(v)}", None,
                 f"bid {{$this}}: lead time {{?value}} days is above the maximum {v:g}")]
    if r.kind == "min_warranty_years":
        return [("declared", "KO-WARRANTY", "warrantyYears", "sh:minCount 1", None,
                 f"bid {{$this}} states no warranty (at least {v:g} years required)"),
                ("value", "KO-WARRANTY", "warrantyYears", f"sh:minInclusive {_dec(v)}", None,
                 f"bid {{$this}}: warranty {{?value}} years is below the required {v:g}")]
    modes = " ".join(f"<{code_lists().transport_modes[m]}>" for m in v)
    return [("value", "KO-TRANSPORT-MODE", "offeredTransportMode", f"sh:minCount 1 ; sh:in ( {modes} )", None,
             f"bid {{$this}}: transport mode {{?value}} is not one of {', '.join(v)}")]


def requirement_text(r: Requirement) -> str:
    """A requirement in words, for reports."""
    v = r.value
    text = {"min_recycled_share": lambda: f"recycled share at least {v:g}",
            "min_post_consumer_share": lambda: f"post-consumer recycled share at least {v:g}",
            "take_back": lambda: "take-back offered",
            "certification": lambda: f"certification {v}",
            "max_lead_time_days": lambda: f"lead time at most {v:g} days",
            "min_warranty_years": lambda: f"warranty at least {v:g} years",
            "transport_modes": lambda: f"transport by {', '.join(v)}"}[r.kind]()
    if r.evidence:
        text += ", evidenced by " + " and ".join(e.replace("_", " ") for e in r.evidence)
    return text


def knockout_shapes(criteria: Criteria) -> tuple[str, tuple[Check, ...]]:
    """The SHACL shapes (Turtle) of every lot's knock-outs, and what each property shape checks."""
    ns = f"{KO_NS}{quote(criteria.tender, safe='-._~')}/knock-out#"
    lines = [f"@prefix ls: <{LS}> .", "@prefix sh: <http://www.w3.org/ns/shacl#> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .", "@prefix dcterms: <http://purl.org/dc/terms/> .",
             f"@prefix ko: <{ns}> .", "",
             f"# Knock-out requirements of tender {criteria.tender}, generated by loopsource from {criteria.file}.", ""]
    checks: list[Check] = []
    for lot in criteria.lots:
        if not lot.requirements:
            continue
        lot_key = quote(lot.id, safe="-._~")
        members = []
        for i, r in enumerate(lot.requirements, start=1):
            source = (f"{criteria.file}:{r.line}, lot {lot.id}, knock-out {i} ({r.basis.replace('_', ' ')}): "
                      f"{BASES[r.basis]}")
            for suffix, code, path, constraints, evidence, message in _checks(lot, i, r):
                name = f"ko:{lot_key}-{i}-{suffix}"
                members.append(name)
                lines += [f"{name} a sh:PropertyShape ; sh:path ls:{path} ; {constraints} ;",
                          f"    ls:ruleCode {string_literal(code)} ; dcterms:source {string_literal(source)} ;",
                          f"    sh:message {string_literal(message)} .", ""]
                constraint = constraints.split(" ;")[-1].split()[0]
                checks.append(Check(ns + name[3:], lot.id, i, code, "ls:" + path, constraint, evidence,
                                    requirement_text(r)))
        lines += [f"ko:{lot_key} a sh:NodeShape ; sh:targetClass <{lot_bids_class(criteria.tender, lot.id)}> ;",
                  f"    dcterms:source {string_literal(f'{criteria.file}: knock-out requirements of lot {lot.id}')} ;",
                  f"    sh:property {' , '.join(members)} .", ""]
    return "\n".join(lines), tuple(checks)


def check_bids(ntriples: str, shapes_text: str, checks: Sequence[Check], bids: Sequence[Bid]) -> list[KnockOut]:
    """Run the generated shapes on the bids' triples with pySHACL; every failed check of every bid."""
    import pyshacl

    # Both graphs are parsed by pyoxigraph and converted the same way as in `validate`, so
    # literals compare equal exactly as they do there (plain strings are xsd:string in RDF 1.1).
    data = parse_shapes_text(ntriples, "bid triples", ox.RdfFormat.N_TRIPLES)
    shapes = parse_shapes_text(shapes_text, "generated knock-out shapes")
    try:
        _ok, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    except Exception as e:  # pySHACL reports malformed shapes with its own exception types
        raise ShapesError(f"the generated knock-out shapes cannot be used: {type(e).__name__}: {e}") from None
    by_shape = {c.shape: c for c in checks}
    by_iri = {b.iri: b for b in bids}
    out = []
    for res in report.subjects(RDF.type, SH.ValidationResult):
        check = by_shape.get(str(report.value(res, SH.sourceShape)))
        bid = by_iri.get(str(report.value(res, SH.focusNode)))
        if check is None or bid is None:
            continue
        value = report.value(res, SH.value)
        message = str(report.value(res, SH.resultMessage) or check.text)
        message = message.replace("{$this}", bid.id).replace("{?value}", "" if value is None else str(value))
        out.append(KnockOut(bid.id, check.lot, check.code, check.path, check.constraint,
                            None if value is None else str(value), message, check.missing_evidence, check.text))
    out.sort(key=lambda k: (k.lot, k.bid, k.code, k.constraint))
    return out
