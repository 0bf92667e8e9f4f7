"""A passport's figures as a UNTP Digital Product Passport: JSON-LD in a W3C Verifiable Credential
2.0 envelope, in the structure of the UNTP DPP JSON Schema (``untp-dpp-schema.json``, data
model of 2025-06-27), built here from the data model's published structure (the GPL-3.0
schema and context files are not part of loopsource).

Scales: UNTP fractions (``massFraction``, ``recycledMassFraction``, ``recycledContent``,
``recyclableContent``) are 0-1; the Battery Pass shares (``preConsumerShare``,
``postConsumerShare``) and the claims' ``metricValue`` (unit ``P1``, percent) are 0-100.
What the UNTP schema has no field for is written with full IRIs (``ls:`` = the loopsource
ontology, ``urn:samm:io.BatteryPass...`` = the Battery Pass data model), where the schema
allows additional properties: the credential, ``ProductPassport``, ``Product``, ``Material``,
``Claim``, ``CircularityPerformance`` and ``EmissionsPerformance``.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..load.jsonld import UNTP_DPP_CONTEXT, VC_V2_CONTEXT
from ..rdf.vocab import ID, LS, entity_iri
from .claims import ClaimFigure
from .figures import MaterialLine, Origin, ProductFigures

#: The Battery Pass data model 1.2.0, Circularity aspect (SAMM): property IRIs only (its files
#: are CC BY-NC; loopsource maps to it and copies nothing).
BATTERY_PASS = "urn:samm:io.BatteryPass.Circularity:1.2.0#"
CONTEXT = [VC_V2_CONTEXT, UNTP_DPP_CONTEXT]
EU = {"id": "https://commission.europa.eu/", "name": "European Commission"}


@dataclass(frozen=True)
class Issuer:
    id: str  # a DID
    name: str


def did_web(iri: str) -> str:
    """did:web of an https IRI (host, then the path segments joined by ':', percent-encoded)."""
    rest = iri.split("://", 1)[1].rstrip("/")
    host, *path = rest.split("/")
    return ":".join(["did:web", host, *(quote(p, safe="-._") for p in path)])


def default_issuer(f: ProductFigures) -> Issuer:
    """The manufacturer, named by a did:web of its loopsource IRI (replace it with --issuer)."""
    if f.manufacturer:
        return Issuer(did_web(entity_iri("org", f.manufacturer)), f.manufacturer_name or f.manufacturer)
    return Issuer(did_web(ID.rstrip("/")), "unknown manufacturer (no plant and several plant owners)")


def _pct(x: float) -> float:
    """A 0-1 share as a percentage, without binary noise (0.07 -> 7.0, not 7.000000000000001)."""
    return round(100 * x, 9)


def _classification(code: str, name: str, scheme: str, scheme_name: str) -> dict[str, Any]:
    return {"type": ["Classification"], "id": scheme + quote(code, safe="-._~"), "code": code, "name": name, "schemeID": scheme,
            "schemeName": scheme_name}


def _product(f: ProductFigures) -> dict[str, Any]:
    p = f.product
    out: dict[str, Any] = {
        "type": ["Product"], "id": entity_iri("product", p.id), "name": p.name, "registeredId": p.id,
        "idScheme": {"type": ["IdentifierScheme"], "id": entity_iri("product", ""),
                     "name": "loopsource product id (products.csv id)"},
    }
    if p.category:
        out["productCategory"] = [_classification(p.category, p.category.replace("_", " "), ID + "category/",
                                                  "loopsource product category (products.csv category)")]
    if f.manufacturer:
        out["producedByParty"] = {"id": entity_iri("org", f.manufacturer), "name": f.manufacturer_name or f.manufacturer,
                                  "registeredId": f.manufacturer}
    if p.plant:
        out["producedAtFacility"] = {"id": entity_iri("site", p.plant), "name": f.plant_name or p.plant,
                                     "registeredId": p.plant}
        if f.plant_country:
            out["countryOfProduction"] = f.plant_country
        out[LS + "madeAt"] = {"id": entity_iri("site", p.plant)}
    out["dimensions"] = {"weight": {"value": f.mass_kg, "unit": "KGM"}}
    if p.category:
        out[LS + "category"] = p.category
    if p.capacity_kwh is not None:
        out[LS + "capacityKwh"] = p.capacity_kwh
    return out


def _material(line: MaterialLine, origin: Origin | None) -> dict[str, Any]:
    m = line.material
    share = origin.share if origin else 1.0
    out: dict[str, Any] = {"name": m.name}
    if origin:
        out["originCountry"] = origin.country
    out["materialType"] = _classification(m.material_class, m.material_class, LS,
                                          "loopsource material classes (ontology/materials.ttl)")
    out["massFraction"] = line.mass_fraction * share
    out["mass"] = {"value": line.mass_kg * share, "unit": "KGM"}
    out[LS + "material"] = {"id": entity_iri("material", m.id)}
    out[LS + "basis"] = line.basis.text(m.id)
    if origin is None:
        out[LS + "originStatus"] = "unknown"
        out[LS + "note"] = [f"origin unknown: no purchase of {m.id} in the data, so no country and no recycled "
                            "share can be stated (the circularity scorecard counts it as virgin)"]
        return out
    out[LS + "originShare"] = origin.share
    if origin.inflow.recycled_share is not None:
        out["recycledMassFraction"] = origin.inflow.recycled_share
    notes = []
    for prop, split, what in (("recycledPreConsumerShare", origin.pre_consumer, "pre-consumer"),
                              ("recycledPostConsumerShare", origin.post_consumer, "post-consumer")):
        if split.share is not None:
            out[LS + prop] = split.share
        else:
            notes.append(f"{what} share {split.reason}")
    if origin.chains_of_custody:
        out[LS + "chainOfCustody"] = list(origin.chains_of_custody)
    if origin.certificates:
        out[LS + "certificate"] = list(origin.certificates)
    if origin.inflow.undeclared:
        notes.append(f"{origin.inflow.undeclared} of {origin.inflow.purchases} purchases declare no recycled or "
                     "reused share (counted as virgin)")
    if notes:
        out[LS + "note"] = notes
    return out


def materials_provenance(f: ProductFigures) -> list[dict[str, Any]]:
    """One UNTP Material per bill-of-materials line and supplier country (a line nobody bought:
    one Material without a country)."""
    return [_material(ln, o) for ln in f.lines for o in (ln.origins or (None,))]


def _circularity(f: ProductFigures) -> dict[str, Any]:
    r = f.mci
    out: dict[str, Any] = {"recyclableContent": f.recyclable_content}
    if f.recycled_content is not None:
        out["recycledContent"] = f.recycled_content
    if r.utility is not None:
        out["utilityFactor"] = r.utility
    if r.mci is not None:
        out["materialCircularityIndicator"] = r.mci
    out[LS + "methodology"] = [
        "materialCircularityIndicator: the Ellen MacArthur Foundation's Material Circularity Indicator "
        "(EMF & Granta Design 2015, multi-material form: LFI = (V + W)/(2M + (W_F - W_C)/2), "
        "MCI = max(0, 1 - 0.9 LFI/X)), not UNTP's sample formula; utilityFactor is its X = (L/L_av)(U/U_av)",
        "recycledContent: recycled mass over bill-of-materials mass, each material at the recycled share of its "
        "basis purchases (a material nobody bought counts as virgin)",
        "recyclableContent: collection rate for recycling C_R times end-of-life recycling efficiency E_C "
        f"({f.product.collection_recycling_share:g} x {f.product.recycling_efficiency_eol:g}, products.csv)",
    ]
    if r.lfi is not None:
        out[LS + "linearFlowIndex"] = r.lfi
    if r.notes:
        out[LS + "note"] = list(r.notes)
    return out


def _emissions(f: ProductFigures) -> dict[str, Any] | None:
    e = f.emissions
    if e.kg_co2e_per_unit is None:
        return None
    out: dict[str, Any] = {
        "carbonFootprint": e.kg_co2e_per_unit, "declaredUnit": "H87", "operationalScope": "None",
        "primarySourcedRatio": 0.0,
        LS + "methodology": ("inbound transport of the bill of materials only, well-to-wheel (ISO 14083:2023), "
                             "kg CO2e per unit (H87, one piece): per material, tonne-km from supplier site to "
                             "buying site (ISO 14083 distance: road great circle x 1.2 x 1.05, sea searoute x 1.15, "
                             "air great circle + 95 km) times the mode's WTW factor, per kg bought, times kg per unit; "
                             "not a product carbon footprint; primarySourcedRatio 0: default factors, no "
                             "carrier data"),
        LS + "emissionFactors": e.factors_version,
    }
    if e.covered_share is not None:
        out[LS + "coveredMassShare"] = e.covered_share
    return out


def _measure(value: float, unit: str) -> float:
    return _pct(value) if unit == "P1" else value


def _claim(c: ClaimFigure, passport: str) -> dict[str, Any]:
    r = c.rule
    # one claim per rule and unit of assessment: the unit's key without the product (the passport's)
    unit = c.unit[len(c.product) + 1:] if c.unit.startswith(c.product + "/") else c.unit
    bound = "minimum" if r.minimum is not None else "maximum"
    regulation: dict[str, Any] = {"type": ["Regulation"]}
    if r.eli:
        regulation["id"] = r.eli
    regulation.update({"name": f"{r.regulation} ({r.title})" if r.title else r.regulation,
                       "jurisdictionCountry": "EU", "administeredBy": dict(EU)})
    criterion: dict[str, Any] = {"type": ["Criterion"], "id": r.shape, "name": f"{r.regulation}, {r.article}",
                                 "description": r.source, "conformityTopic": c.topic, "status": "active"}
    if c.threshold is not None:
        criterion["thresholdValue"] = {"metricName": f"{bound} {r.measure} ({c.subject})",
                                       "metricValue": {"value": _measure(c.threshold, r.unit), "unit": r.unit}}
    values = [] if c.value is None else [
        {"metricName": f"{r.measure} ({c.subject})", "metricValue": {"value": _measure(c.value, r.unit), "unit": r.unit},
         "score": c.verdict}]
    when = f"{c.verdict} on {c.as_of}"
    if c.verdict == "not in force" and r.in_force_from:
        when += f" (applies from {r.in_force_from})"
    out: dict[str, Any] = {
        "type": ["Claim", "Declaration"],
        "id": f"{passport}/claim/{r.code}/" + "/".join(quote(x, safe="") for x in unit.split("/")),
        "description": f"{r.source}: {c.subject}, {when}.", "referenceRegulation": regulation,
        "assessmentCriteria": [criterion], "assessmentDate": c.as_of.isoformat(),
        "declaredValue": values, "conformityTopic": c.topic,
        LS + "ruleCode": r.code, LS + "conformance": c.verdict,
    }
    if r.in_force_from:
        out[LS + "inForceFrom"] = r.in_force_from.isoformat()
    return out


def _battery_pass(f: ProductFigures) -> list[dict[str, Any]]:
    out = []
    for e in f.elements:
        entry: dict[str, Any] = {BATTERY_PASS + "recycledMaterial": e.element}
        notes = []
        for name, split in (("preConsumerShare", e.pre_consumer), ("postConsumerShare", e.post_consumer)):
            if split.share is not None:
                entry[BATTERY_PASS + name] = _pct(split.share)
            else:
                notes.append(f"{name} {split.reason}")
        entry[LS + "material"] = [{"id": entity_iri("material", m)} for m in e.materials]
        notes += e.notes
        if notes:
            entry[LS + "note"] = notes
        out.append(entry)
    return out


def _subject_notes(f: ProductFigures, source: str) -> list[str]:
    notes = [f"figures from {source}: originCountry is the country of the supplier site a material was bought "
             "from (its last processing step), not of extraction",
             "hazardous: not stated (loopsource's input has no hazard data)"]
    if not f.product.plant:
        notes.append("plant not declared (products.csv plant): materials are traced over the purchases of every "
                     "buying site")
    if not f.lines:
        notes.append("the product has no bill of materials: no provenance, no scorecard figures from materials")
    elif f.emissions.kg_co2e_per_unit is None:
        notes.append("emissionsScorecard left out: no computable transport emission for "
                     + ", ".join(f.emissions.missing))
    if f.battery_note:
        notes.append(f"no battery passport attributes: {f.battery_note}")
    return notes


def passport_document(f: ProductFigures, claims: Sequence[ClaimFigure], *, as_of: date, issuer: Issuer,
                      source: str = "the graph") -> dict[str, Any]:
    """The unsigned credential (see the module docstring)."""
    passport = entity_iri("passport", f.product.id)
    subject: dict[str, Any] = {
        "type": ["ProductPassport"], "id": passport, "product": _product(f), "granularityLevel": "model",
        "materialsProvenance": materials_provenance(f), "circularityScorecard": _circularity(f),
    }
    emissions = _emissions(f)
    if emissions is not None:
        subject["emissionsScorecard"] = emissions
    subject["conformityClaim"] = [_claim(c, passport) for c in claims]
    if f.battery_scope:
        subject[LS + "batteryPassport"] = (f"{f.battery_scope}: battery passport from 18 February 2027; "
                                           "recycled content per Annex XIII, Battery Pass data model 1.2.0 (0-100 %)")
        subject[BATTERY_PASS + "recycledContent"] = _battery_pass(f)
    subject[LS + "note"] = _subject_notes(f, source)
    subject[LS + "generatedBy"] = f"loopsource {__version__}"
    digest = hashlib.sha256(json.dumps(subject, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return {
        "@context": list(CONTEXT),
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, passport + '#' + digest)}",
        "issuer": {"type": ["CredentialIssuer"], "id": issuer.id, "name": issuer.name},
        "validFrom": f"{as_of.isoformat()}T00:00:00Z",
        "credentialSubject": subject,
    }


__all__ = ["BATTERY_PASS", "CONTEXT", "Issuer", "did_web", "default_issuer", "materials_provenance",
           "passport_document"]
