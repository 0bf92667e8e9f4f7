"""What passports are made from, read from a store once for any number of products: the
snapshot, the validation report, validation's aggregate values and the material classes."""
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
from .claims import CLAIM_PROFILES, RuleInfo, aggregate_values, rule_catalogue
from .figures import BATTERY_ELEMENTS

_STRATEGIC = LS + "StrategicRawMaterial"


@dataclass(frozen=True)
class PassportInputs:
    snapshot: Snapshot
    validation: ValidationReport
    aggregates: Mapping[tuple[str, str], Mapping[str, float]]  # (lsv class, key) -> measures
    element_of: Mapping[str, tuple[str, ...]]  # material id -> Battery Pass materials (Cobalt, ...)
    strategic_of: Mapping[str, tuple[str, ...]]  # material id -> CRMA strategic classes (local names)
    rules: tuple[RuleInfo, ...]
    source: str  # the store's description, for the passport's provenance note

    @property
    def as_of(self) -> date:
        return self.validation.as_of or date.today()


def read_inputs(store: GraphStore, *, as_of: date | None = None, validation: ValidationReport | None = None,
                on_progress: Progress = silent) -> PassportInputs:
    """Read everything passports need. ``validation``: a report already made (``pipeline.run``
    validates every profile once); else the regulation profiles are validated on ``as_of``."""
    snapshot = read_snapshot(store)
    if validation is None:
        validation = validate(store, profiles=CLAIM_PROFILES, as_of=as_of, on_progress=on_progress)
    # The class hierarchy as validation sees it (ontology and asserted graphs), so that the
    # claims and the Battery Pass attributes group materials exactly as the aggregates do.
    index = Index(store, [GRAPHS.ontology, GRAPHS.asserted])
    aggregates = aggregate_values(compute_aggregates(index, CLAIM_PROFILES, None).triples)
    element_of: dict[str, tuple[str, ...]] = {}
    strategic_of: dict[str, tuple[str, ...]] = {}
    for mid in snapshot.materials:
        classes = index.classes_of(ox.NamedNode(entity_iri("material", mid)))
        element_of[mid] = tuple(e for e in BATTERY_ELEMENTS if LS + e in classes)
        strategic_of[mid] = tuple(sorted(c.rsplit("#", 1)[-1] for c in classes if _STRATEGIC in index.super.get(c, ())))
    return PassportInputs(snapshot, validation, aggregates, element_of, strategic_of, rule_catalogue(),
                          store.description)


__all__ = ["PassportInputs", "read_inputs"]
