"""ESRS E5 datapoints E5-4 (resource inflows) and E5-5 (resource outflows: waste), from a Snapshot.

The standard implemented is ESRS E5 as adopted in Commission Delegated Regulation (EU)
2023/2772, Annex I (paragraphs 31 and 37-39); datapoint ids are EFRAG's Implementation
Guidance 3 list (IG 3). The simplified ESRS (EFRAG exposure drafts of 2025, revised draft of
May 2026) is not implemented: its final E5 datapoints were not published in the sources used
(docs/methodology.md, "ESRS E5"), so ``VERSION`` names the mapping.

Inputs, one row each (the selection of ``metrics.compute``: every purchase and loop, or one
year / buyer site):

* materials used (§31) = purchases; their cycle (biological / technical) is the material's
  (``rdf.resource_flows``: class, or materials.csv ``cycle``); sustainably sourced = CTI's
  sustainably managed renewable inflow, the one rule ``definitions.sustainable_biological``
  (an FSC or PEFC ``certificate``, chain of custody not book and claim) applied to the whole mass;
  secondary = mass x (recycled_share + reused_share) (``definitions.secondary_kg``, the numbers
  behind circular inflow).
* waste (§37, §39) = loops; the operation is the strategy's (``rdf.resource_flows.
  waste_operations``, from vocabularies.ttl); hazardous = loops.csv ``hazardous``, else the
  material's materials.csv ``hazardous``.

A datapoint is ``computed`` when every row it adds up has the data; ``partial`` when some rows
lack it (the value adds up the rows that have it and ``needs`` says what is missing, for how
many rows and kg); ``not computable`` (value None, never 0) when no row has it. Pure functions:
no store, no clock.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..definitions import certificate_scheme, declared, ratio, secondary_kg, sustainable_biological
from ..rdf.resource_flows import waste_operations
from .snapshot import Purchase, Snapshot

VERSION = "ESRS-E5-2023/2772"
STANDARD = ("ESRS E5 Resource use and circular economy, Commission Delegated Regulation (EU) 2023/2772, Annex I, "
            "as adopted; datapoint ids from EFRAG IG 3. Not the simplified ESRS (2025/2026 drafts)")
METHOD = ("Inflows: purchases of the period (mass, material cycle, certificate, recycled and reused shares); "
          "waste: loops of the period by strategy (R3-R7 preparation for reuse, R8 recycling, R9 other recovery, "
          "incinerate / landfill / other_disposal) and hazardous flag. Shares are fractions (0-1).")
COMPUTED, PARTIAL, NOT_COMPUTABLE = "computed", "partial", "not computable"
DIVERTED_OPS = ("preparation_for_reuse", "recycling", "other_recovery")
DISPOSAL_OPS = ("incineration", "landfill", "other_disposal")
UNSPLIT = "disposal_unsplit"
T = TypeVar("T")


@dataclass(frozen=True)
class Datapoint:
    key: str
    datapoint_id: str  # EFRAG IG 3 id
    paragraph: str  # ESRS E5 paragraph, e.g. "E5-5 §37(b)(ii)"
    label: str
    value: float | None
    unit: str  # kg | fraction
    status: str  # computed | partial | not computable
    needs: str | None  # what is missing (partial, not computable)
    computed_from: str  # the rule, in terms of the CSV columns

    def as_dict(self) -> dict[str, Any]:
        return {"datapoint_id": self.datapoint_id, "paragraph": self.paragraph, "label": self.label,
                "value": self.value, "unit": self.unit, "status": self.status, "needs": self.needs,
                "computed_from": self.computed_from}


@dataclass(frozen=True)
class _Outcome:
    value: float | None
    status: str
    needs: str | None


def _ids(items: Iterable[str]) -> str:
    ids = sorted(set(items))
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _sum(rows: list[T], kg: Callable[[T], float], counts: Callable[[T], bool], known: Callable[[T], bool],
         ident: Callable[[T], str], need: str, empty: str) -> _Outcome:
    """Σ kg of the rows that ``counts``, over the rows whose data is ``known``. No rows at all:
    not computable (``empty``); none known: not computable; some unknown: partial."""
    if not rows:
        return _Outcome(None, NOT_COMPUTABLE, empty)
    missing = [r for r in rows if not known(r)]
    if len(missing) == len(rows):
        return _Outcome(None, NOT_COMPUTABLE, f"{need} for all {len(rows)} rows")
    value = float(sum(kg(r) for r in rows if known(r) and counts(r)))
    if not missing:
        return _Outcome(value, COMPUTED, None)
    lost = sum(kg(r) for r in missing)
    return _Outcome(value, PARTIAL, f"{need} for {len(missing)} of {len(rows)} rows ({lost:,.6g} kg left out: "
                                    f"{_ids(ident(r) for r in missing)})")


def _share(num: _Outcome, den: float) -> _Outcome:
    """num / den with num's status; not computable when num is, or den is 0."""
    if num.value is None:
        return num
    share = ratio(num.value, den)
    return _Outcome(share, num.status, num.needs) if share is not None else \
        _Outcome(None, NOT_COMPUTABLE, "a mass to divide by (none in the period)")


# ----------------------------------------------------------------------------- E5-4 resource inflows
def _inflows(snap: Snapshot) -> list[Datapoint]:
    ps = list(snap.purchases)
    mats = snap.materials

    def cycle(p: Purchase) -> str | None:
        m = mats.get(p.material)
        return m.cycle if m else None

    def kg(p: Purchase) -> float:
        return p.mass_kg

    def pid(p: Purchase) -> str:
        return p.id

    no_purchases = "purchases.csv rows in the period"
    need_cycle = "the material's cycle (materials.csv 'cycle': biological or technical, for a class that leaves it open)"
    total = _sum(ps, kg, lambda p: True, lambda p: True, pid, "", no_purchases)
    technical = _sum(ps, kg, lambda p: cycle(p) == "technical", lambda p: cycle(p) is not None, pid, need_cycle,
                     no_purchases)
    biological = _sum(ps, kg, lambda p: cycle(p) == "biological", lambda p: cycle(p) is not None, pid, need_cycle,
                      no_purchases)
    bio = [p for p in ps if cycle(p) == "biological"]
    certified = _sum(bio, kg, lambda p: sustainable_biological(True, p.certificate, p.chain_of_custody),
                     lambda p: True, pid, "",
                     "purchases of a biological material (none in the period)")
    unclassified = [p for p in ps if cycle(p) is None]
    if unclassified and certified.status == COMPUTED:  # biological purchases may hide among them
        certified = _Outcome(certified.value, PARTIAL, f"{need_cycle} for {len(unclassified)} purchases "
                                                       f"({_ids(p.material for p in unclassified)})")
    elif unclassified and certified.value is None:
        certified = _Outcome(None, NOT_COMPUTABLE, f"{need_cycle} ({_ids(p.material for p in unclassified)}); "
                                                   "no purchase of a known biological material")
    bio_kg = sum(p.mass_kg for p in bio)
    sec = {k: _sum(ps, lambda p, i=i: secondary_kg(p.mass_kg, p.recycled_share, p.reused_share)[i],  # type: ignore[misc]
                   lambda p: True, lambda p: declared(p.recycled_share, p.reused_share), pid,
                   "recycled_share or reused_share (purchases.csv; an undeclared purchase counts as 0)", no_purchases)
           for i, k in ((0, "recycled"), (1, "reused"))}
    both = _sum(ps, lambda p: sum(secondary_kg(p.mass_kg, p.recycled_share, p.reused_share)), lambda p: True,
                lambda p: declared(p.recycled_share, p.reused_share), pid,
                "recycled_share or reused_share (purchases.csv; an undeclared purchase counts as 0)", no_purchases)
    a, b, c = "E5-4 §31(a)", "E5-4 §31(b)", "E5-4 §31(c)"
    tot = total.value or 0.0
    return [
        _dp("total_weight_kg", "E5-4_02", a, "Overall total weight of products and technical and biological materials "
            "used", total, "kg", "Σ purchases.csv quantity in kg"),
        _dp("technical_weight_kg", "E5-4_02", a, "of which technical materials", technical, "kg",
            "Σ kg of purchases whose material is technical (class or materials.csv cycle)"),
        _dp("biological_weight_kg", "E5-4_02", a, "of which biological materials", biological, "kg",
            "Σ kg of purchases whose material is biological (class or materials.csv cycle)"),
        _dp("biological_sustainably_sourced_kg", "E5-4_03", b, "Weight of biological materials sustainably sourced "
            "(FSC or PEFC certificate)", certified, "kg",
            "Σ kg of purchases of biological materials whose certificate scheme is FSC or PEFC and whose "
            "chain_of_custody is not book_and_claim (definitions.sustainable_biological)"),
        _dp("biological_sustainably_sourced_share", "E5-4_03", b, "Percentage of biological materials (and biofuels "
            "used for non-energy purposes) that is sustainably sourced", _share(certified, bio_kg), "fraction",
            "biological_sustainably_sourced_kg / biological_weight_kg"),
        _dp("secondary_weight_kg", "E5-4_04", c, "Weight of secondary reused or recycled components, secondary "
            "intermediary products and secondary materials", both, "kg",
            "Σ kg x (recycled_share + reused_share) over purchases (an empty share counts as 0)"),
        _dp("secondary_recycled_kg", "E5-4_04", c, "of which recycled", sec["recycled"], "kg",
            "Σ kg x recycled_share over purchases"),
        _dp("secondary_reused_kg", "E5-4_04", c, "of which reused", sec["reused"], "kg",
            "Σ kg x reused_share over purchases"),
        _dp("secondary_share", "E5-4_05", c, "Percentage of secondary reused or recycled components, secondary "
            "intermediary products and secondary materials", _share(both, tot), "fraction",
            "secondary_weight_kg / total_weight_kg"),
    ]


def _dp(key: str, dp_id: str, paragraph: str, label: str, o: _Outcome, unit: str, rule: str) -> Datapoint:
    return Datapoint(key, dp_id, paragraph, label, o.value, unit, o.status, o.needs, rule)


# ----------------------------------------------------------------------------- E5-5 waste
@dataclass(frozen=True)
class _Waste:
    id: str
    kg: float
    op: str  # waste operation key (rdf.resource_flows.WasteOperation.key)
    diverted: bool
    hazardous: bool | None


def waste_rows(snap: Snapshot) -> list[_Waste]:
    """Every loop as waste: its operation and its hazardous flag (the loop's, else its material's)."""
    ops = waste_operations()
    out = []
    for lp in snap.loops:
        op = ops[lp.strategy]
        mat = snap.materials.get(lp.material)
        haz = lp.hazardous if lp.hazardous is not None else (mat.hazardous if mat else None)
        out.append(_Waste(lp.id, lp.mass_kg, op.key, op.diverted, haz))
    return out


NEED_HAZARD = "hazardous (true/false) in loops.csv or, for the material, in materials.csv"
NEED_SPLIT = "a disposal treatment: loops.csv strategy incinerate, landfill or other_disposal instead of dispose"
NO_LOOPS = "loops.csv rows in the period"
_HAZ = (("", "", None), ("_hazardous", ", hazardous", True), ("_non_hazardous", ", non-hazardous", False))


def _op_rows(ws: list[_Waste], op: str, paragraph: str, dp_id: str, group: str, label: str,
             scope: list[_Waste], split_known: Callable[[_Waste], bool], split_need: str) -> list[Datapoint]:
    """The total, hazardous and non-hazardous weight of one operation. ``scope`` is the loops the
    figure is taken from; ``split_known`` whether a loop's operation is known within it."""
    out = []
    for suffix, text, flag in _HAZ:
        # a loop of another (known) operation is known not to count, whatever its hazard
        known = split_known if flag is None else \
            (lambda w: split_known(w) and (w.op != op or w.hazardous is not None))
        need = split_need if flag is None else (f"{split_need}; {NEED_HAZARD}" if split_need else NEED_HAZARD)
        o = _sum(scope, lambda w: w.kg, lambda w, f=flag: w.op == op and (f is None or w.hazardous is f),
                 known, lambda w: w.id, need, NO_LOOPS)
        if ws and not scope:  # loops exist, none of this kind: nothing was treated so
            o = _Outcome(0.0, COMPUTED, None)
        rule = f"Σ kg of loops whose strategy counts as {label}" + ("" if flag is None else
                                                                    f" and hazardous is {str(flag).lower()}")
        title = "Waste diverted from disposal" if group == "diverted" else "Waste directed to disposal"
        out.append(Datapoint(f"waste_{group}_{op}{suffix}_kg", dp_id, paragraph, f"{title}: {label}{text}", o.value,
                             "kg", o.status, o.needs, rule))
    return out


def _totals(ws: list[_Waste], scope: list[_Waste], key: str, dp_id: str, paragraph: str, label: str) -> list[Datapoint]:
    out = []
    for suffix, text, flag in _HAZ:
        known = (lambda w: True) if flag is None else (lambda w: w.hazardous is not None)
        o = _sum(scope, lambda w: w.kg, lambda w, f=flag: f is None or w.hazardous is f, known, lambda w: w.id,
                 NEED_HAZARD, NO_LOOPS)
        if ws and not scope:
            o = _Outcome(0.0, COMPUTED, None)
        rule = f"Σ kg of loops {label}" + ("" if flag is None else f" with hazardous {str(flag).lower()}")
        out.append(Datapoint(f"{key}{suffix}_kg", dp_id, paragraph, f"Waste {label}{text}", o.value, "kg", o.status,
                             o.needs, rule))
    return out


def _waste(snap: Snapshot) -> list[Datapoint]:
    ws = waste_rows(snap)
    diverted = [w for w in ws if w.diverted]
    disposal = [w for w in ws if not w.diverted]
    labels = {op.key: op for op in waste_operations().values()}
    total = _sum(ws, lambda w: w.kg, lambda w: True, lambda w: True, lambda w: w.id, "", NO_LOOPS)
    out = [_dp("waste_total_kg", "E5-5_07", "E5-5 §37(a)", "Total amount of waste generated", total, "kg",
               "Σ loops.csv quantity in kg")]
    out += _totals(ws, diverted, "waste_diverted", "E5-5_08", "E5-5 §37(b)", "diverted from disposal")
    for op in DIVERTED_OPS:
        out += _op_rows(ws, op, f"E5-5 §{labels[op].paragraph}", "E5-5_08", "diverted", labels[op].label,
                        diverted, lambda w: True, "")
    out += _totals(ws, disposal, "waste_disposal", "E5-5_09", "E5-5 §37(c)", "directed to disposal")
    for op in DISPOSAL_OPS:
        out += _op_rows(ws, op, f"E5-5 §{labels[op].paragraph}", "E5-5_09", "disposal", labels[op].label,
                        disposal, lambda w: w.op != UNSPLIT, NEED_SPLIT)
    recycled = sum(w.kg for w in ws if w.op == "recycling")
    non_recycled = _Outcome(None if total.value is None else total.value - recycled, total.status, total.needs)
    out += [
        _dp("waste_non_recycled_kg", "E5-5_10", "E5-5 §37(d)", "Total amount of non-recycled waste", non_recycled,
            "kg", "waste_total_kg - Σ kg of loops with strategy recycle"),
        _dp("waste_non_recycled_share", "E5-5_11", "E5-5 §37(d)", "Percentage of non-recycled waste",
            _share(non_recycled, total.value or 0.0), "fraction", "waste_non_recycled_kg / waste_total_kg"),
        _dp("waste_hazardous_kg", "E5-5_15", "E5-5 §39", "Total amount of hazardous waste",
            _sum(ws, lambda w: w.kg, lambda w: w.hazardous is True, lambda w: w.hazardous is not None,
                 lambda w: w.id, NEED_HAZARD, NO_LOOPS), "kg", "Σ kg of loops with hazardous true"),
        Datapoint("waste_radioactive_kg", "E5-5_16", "E5-5 §39", "Total amount of radioactive waste", None, "kg",
                  NOT_COMPUTABLE, "a radioactive-waste flag on loops (Directive 2011/70/Euratom), which the input "
                                  "contract does not collect", "not collected"),
    ]
    return out


# ----------------------------------------------------------------------------- document
def _period(snap: Snapshot) -> dict[str, Any]:
    days = [p.date for p in snap.purchases] + [lp.date for lp in snap.loops]
    if not days:
        return {"from": None, "to": None, "years": []}
    return {"from": min(days).isoformat(), "to": max(days).isoformat(), "years": sorted({d.year for d in days})}


def _schemes(snap: Snapshot) -> dict[str, float]:
    """kg of sustainably sourced biological materials per certification scheme (E5-4 §31(b) asks
    for the scheme used): the scheme is the part of the certificate before ':', upper case."""
    out: dict[str, float] = defaultdict(float)
    for p in snap.purchases:
        m = snap.materials.get(p.material)
        if m is not None and m.cycle == "biological" and sustainable_biological(True, p.certificate,
                                                                                 p.chain_of_custody):
            out[certificate_scheme(p.certificate) or ""] += p.mass_kg
    return dict(sorted(out.items()))


def datapoints(snap: Snapshot) -> list[Datapoint]:
    """Every E5-4 and E5-5 datapoint loopsource computes, in the standard's order."""
    return _inflows(snap) + _waste(snap)


def esrs_e5(snap: Snapshot) -> dict[str, Any]:
    """The ``esrs_e5`` section of metrics.json (``snap`` is already filtered to the selection)."""
    period = _period(snap)
    notes = []
    if len(period["years"]) > 1:
        notes.append(f"the selection spans {len(period['years'])} calendar years ({period['from']} to {period['to']}); "
                     "ESRS reports one financial year: use --year")
    unsplit = [w for w in waste_rows(snap) if w.op == UNSPLIT]
    if unsplit:
        notes.append(f"{sum(w.kg for w in unsplit):,.6g} kg of loops have strategy dispose (landfill or incineration, "
                     f"not said which): §37(c) totals include them, the split by treatment cannot")
    return {"standard": STANDARD, "version": VERSION, "method": METHOD, "period": period,
            "datapoints": {d.key: d.as_dict() for d in datapoints(snap)},
            "certification_schemes_kg": _schemes(snap), "notes": notes}


__all__ = ["VERSION", "STANDARD", "Datapoint", "datapoints", "esrs_e5", "waste_rows", "COMPUTED", "PARTIAL",
           "NOT_COMPUTABLE"]
