"""What passports are made from, read from a store once for any number of products: the
snapshot, the validation report, validation's aggregate values and units of assessment, the
material classes and the Battery Pass recycled content."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from ..analysis.snapshot import Snapshot, read_snapshot
from ..progress import Progress, silent
from ..rdf.vocab import GRAPHS, LS, entity_iri
from ..store import GraphStore
from ..validate import ValidationReport, validate
from ..validate.aggregates import compute_aggregates
from ..validate.index import Index
from ..validate.settings import Settings
from .battery import battery_contents
from .claims import CLAIM_PROFILES, RuleInfo, aggregate_values, rule_catalogue
from .figures import BATTERY_ELEMENTS, ElementContent


@dataclass(frozen=True)
class PassportInputs:
    snapshot: Snapshot
    validation: ValidationReport
    aggregates: Mapping[tuple[str, str], Mapping[str, float]]  # (lsv class, key) -> measures
    units: Mapping[str, tuple[str, ...]]  # product id -> keys of its Art. 8 / Art. 7 units of assessment
    entry_of: Mapping[str, str]  # material id -> its CRMA Annex I entry key (strategic materials only)
    element_of: Mapping[str, tuple[str, ...]]  # material id -> Battery Pass materials (Cobalt, ...)
    battery: Mapping[str, tuple[ElementContent, ...]]  # product id -> Battery Pass recycled content
    rules: tuple[RuleInfo, ...]
    source: str  # the store's description, for the passport's provenance note

    @property
    def as_of(self) -> date:
        return self.validation.as_of or date.today()


def read_inputs(store: GraphStore, *, as_of: date | None = None, validation: ValidationReport | None = None,
                settings: Settings | None = None, on_progress: Progress = silent,
                snapshot: Snapshot | None = None) -> PassportInputs:
    """Read everything passports need. ``validation``: a report already made (``pipeline.run``
    validates every profile once) with ``settings`` (the same settings: act dates, evidence
    rules); else the regulation profiles are validated on ``as_of`` with ``settings``."""
    settings = settings or Settings()
    snapshot = snapshot if snapshot is not None else read_snapshot(store)  # given: pipeline.run's, read once
    if validation is None:
        validation = validate(store, profiles=CLAIM_PROFILES, as_of=as_of, settings=settings, on_progress=on_progress)
    day = validation.as_of or date.today()
    agg = validation.aggregates
    if agg is None or agg.facts is None or not set(CLAIM_PROFILES) <= set(validation.profiles):
        # The class hierarchy as validation sees it (types from the ontology and asserted graphs),
        # so that the claims and the Battery Pass attributes group materials as the aggregates do.
        agg = compute_aggregates(Index(store, [GRAPHS.ontology, GRAPHS.asserted]), CLAIM_PROFILES, None, settings)
    # else: the validation's own aggregates and purchase facts, so the claims are its figures
    facts, index = agg.facts, agg.facts.index
    units: dict[str, list[str]] = {}
    for u in agg.units:
        units.setdefault(u.product, []).append(u.focus)
    battery = battery_contents(facts.products, facts.material_facts(), [p.claim for p in facts.purchases],
                               settings.evidence["eu-batteries"], day.year)
    element_of: dict[str, tuple[str, ...]] = {}
    for mid in snapshot.materials:
        classes = index.classes_of(ox.NamedNode(entity_iri("material", mid)))
        element_of[mid] = tuple(e for e in BATTERY_ELEMENTS if LS + e in classes)
    entry_of = {mid: m.entry.key for mid, m in facts.materials.items() if m.entry is not None}
    return PassportInputs(snapshot, validation, aggregate_values(agg.triples),
                          {k: tuple(v) for k, v in units.items()}, entry_of, element_of, battery,
                          rule_catalogue(settings), store.description)


__all__ = ["PassportInputs", "read_inputs"]
