"""Product passports as files: the JSON-LD credential and a human-readable page of the same figures.

The HTML page is rendered from the passport document itself (what the JSON-LD says is what the
page shows), with the one Jinja environment of ``render.env``: self-contained (inline CSS, no
scripts, no network), every text from the data autoescaped.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..analysis.snapshot import Snapshot
from ..passport import BATTERY_PASS, build_passports, product_ids, read_inputs, verify
from ..rdf.vocab import LS
from ..scenario import load_factors
from ..store import GraphStore
from ..validate import ValidationReport
from ..validate.settings import Settings
from .env import environment


def _ls(node: Mapping[str, Any], name: str, default: Any = None) -> Any:
    return node.get(LS + name, default)


def _list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else ([] if x is None else [x])


def _materials(cs: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for m in cs.get("materialsProvenance", []):
        notes = [str(n) for n in _list(_ls(m, "note"))]
        rows.append({
            "name": m["name"], "material": str(_ls(m, "material", {}).get("id", "")).rsplit("/", 1)[-1],
            "country": m.get("originCountry"), "status": _ls(m, "originStatus"),
            "mass_fraction": m.get("massFraction"), "kg": m.get("mass", {}).get("value"),
            "origin_share": _ls(m, "originShare"), "recycled": m.get("recycledMassFraction"),
            "pre": _ls(m, "recycledPreConsumerShare"), "post": _ls(m, "recycledPostConsumerShare"),
            "evidence": _list(_ls(m, "chainOfCustody")) + _list(_ls(m, "certificate")),
            "basis": _ls(m, "basis", ""),
            "pre_reason": next((n for n in notes if n.startswith("pre-consumer")), ""),
            "post_reason": next((n for n in notes if n.startswith("post-consumer")), ""),
            "notes": [n for n in notes if not n.startswith(("pre-consumer", "post-consumer"))]})
    return rows


def _claims(cs: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for c in cs.get("conformityClaim", []):
        crit = (c.get("assessmentCriteria") or [{}])[0]
        threshold = crit.get("thresholdValue", {}).get("metricValue", {}).get("value")
        unit = crit.get("thresholdValue", {}).get("metricValue", {}).get("unit", "P1")
        rows.append({"code": _ls(c, "ruleCode", ""), "regulation": c.get("referenceRegulation", {}).get("name", ""),
                     "article": crit.get("name", ""), "requirement": crit.get("description", ""),
                     "threshold": threshold, "unit": "%" if unit == "P1" else "kg", "bound": str(crit.get("thresholdValue", {}).get("metricName", "")).split(" ")[0],
                     "verdict": _ls(c, "conformance", ""), "date": c.get("assessmentDate", ""),
                     "values": [{"name": v["metricName"], "value": v["metricValue"]["value"], "score": v.get("score", ""),
                                 "unit": "%" if v["metricValue"].get("unit", "P1") == "P1" else "kg"}
                                for v in c.get("declaredValue", [])],
                     "in_force_from": _ls(c, "inForceFrom")})
    return rows


def _battery(cs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    entries = cs.get(BATTERY_PASS + "recycledContent")
    if entries is None:
        return None
    return [{"material": e[BATTERY_PASS + "recycledMaterial"], "pre": e.get(BATTERY_PASS + "preConsumerShare"),
             "post": e.get(BATTERY_PASS + "postConsumerShare"),
             "from": [str(x.get("id", "")).rsplit("/", 1)[-1] for x in _list(_ls(e, "material"))],
             "notes": _list(_ls(e, "note"))} for e in entries]


def passport_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The passport document as the page shows it (plain names instead of full-IRI keys)."""
    cs, proof = doc["credentialSubject"], doc.get("proof")
    p, circ, em = cs["product"], cs.get("circularityScorecard", {}), cs.get("emissionsScorecard")
    check = verify(dict(doc)) if proof else None
    return {
        "id": doc["id"], "issuer": doc["issuer"], "valid_from": doc.get("validFrom", ""),
        "product": {"id": p.get("registeredId", ""), "iri": p["id"], "name": p["name"],
                    "category": _ls(p, "category"), "capacity_kwh": _ls(p, "capacityKwh"),
                    "manufacturer": p.get("producedByParty"), "plant": p.get("producedAtFacility"),
                    "country": p.get("countryOfProduction"), "mass_kg": p.get("dimensions", {}).get("weight", {}).get("value")},
        "materials": _materials(cs),
        "circularity": {"recycled": circ.get("recycledContent"), "recyclable": circ.get("recyclableContent"),
                        "mci": circ.get("materialCircularityIndicator"), "utility": circ.get("utilityFactor"),
                        "lfi": _ls(circ, "linearFlowIndex"), "methodology": _list(_ls(circ, "methodology")),
                        "notes": _list(_ls(circ, "note"))},
        "emissions": None if em is None else {
            "value": em["carbonFootprint"], "unit": em["declaredUnit"], "covered": _ls(em, "coveredMassShare"),
            "factors": _ls(em, "emissionFactors"), "methodology": _ls(em, "methodology", "")},
        "claims": _claims(cs), "battery": _battery(cs), "battery_scope": _ls(cs, "batteryPassport"),
        "notes": _list(_ls(cs, "note")),
        "signature": None if proof is None else {"method": proof.get("verificationMethod"),
                                                 "created": proof.get("created"), "verified": bool(check and check.verified),
                                                 "reason": check.reason if check else ""},
    }


def render_html(doc: Mapping[str, Any]) -> str:
    """One self-contained page (inline CSS, no scripts, every data text escaped)."""
    return environment().get_template("passport.html.j2").render(v=passport_view(doc))


def jsonld_text(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def passport_files(docs: Mapping[str, Mapping[str, Any]], formats: tuple[str, ...] = ("jsonld", "html")) -> dict[str, str]:
    """``<product>.jsonld`` and ``<product>.html`` (file name -> text) of passports (product id -> document)."""
    out: dict[str, str] = {}
    for pid, doc in docs.items():
        if "jsonld" in formats:
            out[f"{pid}.jsonld"] = jsonld_text(doc)
        if "html" in formats:
            out[f"{pid}.html"] = render_html(doc)
    return out


def run_passports(store: GraphStore, validation: ValidationReport, settings: Settings | None = None,
                  snapshot: Snapshot | None = None) -> dict[str, str]:
    """What ``pipeline.run`` writes: ``passports/<product>.jsonld`` and ``.html`` for every product
    (unsigned, the emission factors the build stored, claims from the run's validation with its
    settings; ``snapshot``: the run's, read once for the report and the passports)."""
    inputs = read_inputs(store, validation=validation, settings=settings, snapshot=snapshot)
    docs = build_passports(inputs, product_ids(inputs), load_factors(None, inputs.snapshot.emission_factors))
    return {f"passports/{name}": text for name, text in passport_files(docs).items()}


__all__ = ["passport_view", "render_html", "jsonld_text", "passport_files", "run_passports"]
