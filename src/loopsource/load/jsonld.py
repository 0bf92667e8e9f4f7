"""Product passports as user RDF files: the two JSON-LD contexts a UNTP passport names, offline.

A UNTP Digital Product Passport names its contexts by URL (the UNTP schema pins
``@context`` to ``https://www.w3.org/ns/credentials/v2`` and
``https://test.uncefact.org/vocabulary/untp/dpp/working/``), and loopsource never fetches
anything. The published context files cannot ship with loopsource (the UNTP ones are
GPL-3.0), so a ``*.jsonld`` file whose ``@context`` (at the top or in its proof) names only
those URLs is read with :func:`passport_context` instead: a context written for loopsource
from the vocabulary's published term IRIs, covering the terms loopsource's passports use
(the credential envelope, the Data Integrity proof, ProductPassport, Product, Material,
Claim, Regulation, Criterion and the scorecards), with the same IRIs, datatypes and scoping.
``tests/test_passport_jsonld.py`` checks that every generated passport gives the same triples
with it as with the published files. A term it does not cover is dropped, as any JSON-LD
processor drops undefined terms; any other remote context is refused (the file is not loaded).
"""
from __future__ import annotations

import json
from functools import cache
from typing import Any

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
UNTP_DPP_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dpp/working/"
#: The context URLs :func:`passport_context` stands in for.
KNOWN_CONTEXTS = frozenset({VC_V2_CONTEXT, UNTP_DPP_CONTEXT})

_CRED = "https://www.w3.org/2018/credentials#"
_SEC = "https://w3id.org/security#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_CORE = "https://test.uncefact.org/vocabulary/untp/core/working/"
_DPP = UNTP_DPP_CONTEXT
_SCHEMA = "https://schema.org/"
_COUNTRY = "https://vocabulary.uncefact.org/CountryId#"
_UNIT = "https://vocabulary.uncefact.org/UnitMeasureCode#"


def _term(iri: str, typ: str | None = None, scoped: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"@id": iri}
    if typ:
        out["@type"] = typ
    if scoped is not None:
        out["@context"] = scoped
    return out


def _code(iri: str, vocabulary: str) -> dict[str, Any]:
    """A property whose string values are codes of a code list (IRIs under ``vocabulary``)."""
    return _term(iri, "@vocab", {"@vocab": vocabulary})


def _text(name: str) -> dict[str, Any]:
    return _term(_CORE + name, _XSD + "string")


def _double(name: str) -> dict[str, Any]:
    return _term(_CORE + name, _XSD + "double")


def _measure() -> dict[str, Any]:
    return {"value": _double("value"), "unit": _code(_CORE + "unit", _UNIT)}


def _metric(name: str) -> dict[str, Any]:
    return _term(_CORE + name, None, {"metricName": _text("metricName"), "score": _text("score"),
                                      "accuracy": _double("accuracy"),
                                      "metricValue": _term(_CORE + "metricValue", None, _measure())})


def _party(iri: str) -> dict[str, Any]:
    return _term(iri, "@id", {"name": _SCHEMA + "name", "registeredId": _text("registeredId"),
                              "idScheme": _term(_CORE + "idScheme", "@id")})


def _claim(iri: str) -> dict[str, Any]:
    return _term(iri, None, {
        "description": _SCHEMA + "description",
        "referenceStandard": _term(_CORE + "referenceStandard", "@id"),
        "referenceRegulation": _term(_CORE + "referenceRegulation", "@id"),
        "assessmentCriteria": _term(_CORE + "assessmentCriteria", "@id"),
        "assessmentDate": _text("assessmentDate"), "declaredValue": _metric("declaredValue"),
        "conformityTopic": _code(_CORE + "conformityTopic", _CORE + "conformityTopicCode#")})


def _passport() -> dict[str, Any]:
    material = {
        "name": _SCHEMA + "name", "originCountry": _code(_CORE + "originCountry", _COUNTRY),
        "materialType": _term(_CORE + "materialType", "@id"), "massFraction": _double("massFraction"),
        "mass": _term(_CORE + "mass", None, _measure()), "recycledMassFraction": _double("recycledMassFraction"),
        "hazardous": _term(_CORE + "hazardous", _XSD + "boolean"), "symbol": _text("symbol")}
    circularity = {name: _double(name) for name in ("recyclableContent", "recycledContent", "utilityFactor",
                                                     "materialCircularityIndicator")}
    emissions = {"carbonFootprint": _double("carbonFootprint"),
                 "declaredUnit": _code(_CORE + "declaredUnit", _UNIT),
                 "operationalScope": _code(_CORE + "operationalScope", _CORE + "operationalScopeCode#"),
                 "primarySourcedRatio": _double("primarySourcedRatio"),
                 "reportingStandard": _term(_CORE + "reportingStandard", "@id")}
    return _term(_DPP + "ProductPassport", None, {
        "product": _term(_CORE + "product", "@id"),
        "granularityLevel": _code(_DPP + "granularityLevel", _DPP + "granularityCode#"),
        "conformityClaim": _term(_CORE + "conformityClaim", "@id"),
        "emissionsScorecard": _term(_CORE + "emissionsScorecard", None, emissions),
        "circularityScorecard": _term(_CORE + "circularityScorecard", None, circularity),
        "materialsProvenance": _term(_CORE + "materialsProvenance", None, material)})


def _product() -> dict[str, Any]:
    dimensions = {d: _term(_CORE + d, None, _measure()) for d in ("weight", "length", "width", "height", "volume")}
    return _term(_CORE + "Product", None, {
        "name": _SCHEMA + "name", "description": _SCHEMA + "description", "registeredId": _text("registeredId"),
        "idScheme": _term(_CORE + "idScheme", "@id"), "batchNumber": _text("batchNumber"),
        "serialNumber": _text("serialNumber"), "productionDate": _text("productionDate"),
        "productCategory": _term(_CORE + "productCategory", "@id"),
        "producedByParty": _party(_CORE + "Party"), "producedAtFacility": _party(_CORE + "Facility"),
        "countryOfProduction": _code(_CORE + "countryOfProduction", _COUNTRY),
        "dimensions": _term(_CORE + "dimensions", None, dimensions)})


def _credential() -> dict[str, Any]:
    datetime = _XSD + "dateTime"
    return {
        "VerifiableCredential": _term(_CRED + "VerifiableCredential", None, {
            "credentialSubject": _term(_CRED + "credentialSubject", "@id"), "issuer": _term(_CRED + "issuer", "@id"),
            "validFrom": _term(_CRED + "validFrom", datetime), "validUntil": _term(_CRED + "validUntil", datetime),
            "name": _SCHEMA + "name", "description": _SCHEMA + "description",
            "proof": {"@id": _SEC + "proof", "@type": "@id", "@container": "@graph"}}),
        "DataIntegrityProof": _term(_SEC + "DataIntegrityProof", None, {
            "created": _term("http://purl.org/dc/terms/created", datetime),
            "cryptosuite": _term(_SEC + "cryptosuite", _SEC + "cryptosuiteString"),
            "proofPurpose": _term(_SEC + "proofPurpose", "@vocab", {
                "assertionMethod": {"@id": _SEC + "assertionMethod", "@type": "@id", "@container": "@set"}}),
            "proofValue": _term(_SEC + "proofValue", _SEC + "multibase"),
            "verificationMethod": _term(_SEC + "verificationMethod", "@id")}),
    }


@cache
def passport_context() -> dict[str, Any]:
    """The context loopsource reads the two passport context URLs with (module docstring)."""
    name = {"name": _SCHEMA + "name"}
    classification = {"code": _text("code"), "name": _SCHEMA + "name", "schemeID": _text("schemeID"),
                      "schemeName": _text("schemeName")}
    criterion = {"name": _SCHEMA + "name", "description": _SCHEMA + "description",
                 "conformityTopic": _code(_CORE + "conformityTopic", _CORE + "conformityTopicCode#"),
                 "status": _code(_CORE + "status", _CORE + "statusCode#"),
                 "thresholdValue": _metric("thresholdValue"), "tag": _text("tag")}
    regulation = {"name": _SCHEMA + "name", "jurisdictionCountry": _code(_CORE + "jurisdictionCountry", _COUNTRY),
                  "administeredBy": _party(_CORE + "Party"), "effectiveDate": _text("effectiveDate")}
    return {
        "@version": 1.1, "id": "@id", "type": "@type",
        "name": _SCHEMA + "name", "description": _SCHEMA + "description",
        **_credential(),
        "DigitalProductPassport": _DPP + "DigitalProductPassport",
        "CredentialIssuer": _term(_CORE + "CredentialIssuer", None, dict(name)),
        "IdentifierScheme": _term(_CORE + "IdentifierScheme", None, dict(name)),
        "Classification": _term(_CORE + "Classification", None, classification),
        "Product": _product(), "ProductPassport": _passport(),
        "Claim": _claim(_CORE + "Claim"), "Declaration": _claim(_CORE + "Declaration"),
        "Regulation": _term(_CORE + "Regulation", None, regulation),
        "Criterion": _term(_CORE + "Criterion", None, criterion),
    }


def _known(context: Any) -> bool:
    urls = context if isinstance(context, list) else [context]
    return bool(urls) and all(isinstance(u, str) and u in KNOWN_CONTEXTS for u in urls)


def _inline(node: Any) -> tuple[Any, bool]:
    if isinstance(node, list):
        parts = [_inline(x) for x in node]
        return [p for p, _ in parts], any(c for _, c in parts)
    if not isinstance(node, dict):
        return node, False
    changed = False
    out = {}
    for k, v in node.items():
        if k == "@context" and _known(v):
            out[k], changed = passport_context(), True
        else:
            out[k], c = _inline(v)
            changed = changed or c
    return out, changed


def inline_known_contexts(text: str) -> str:
    """``text`` with every ``@context`` that names only the passport context URLs replaced by
    :func:`passport_context`; unchanged when there is none (or the text is not JSON: the RDF
    parser then reports the error with its position)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    new, changed = _inline(doc)
    return json.dumps(new, ensure_ascii=False) if changed else text


__all__ = ["VC_V2_CONTEXT", "UNTP_DPP_CONTEXT", "KNOWN_CONTEXTS", "passport_context", "inline_known_contexts"]
