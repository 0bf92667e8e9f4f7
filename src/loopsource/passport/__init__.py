"""Digital product passports (UNTP DPP, W3C Verifiable Credentials 2.0) made from the graph.

Modules, in the order a passport is made:

* ``inputs``: what passports are read from (snapshot, validation, aggregates, classes), once;
* ``battery``: Battery Pass recycled content by the Art. 8(1) definition (validate.recycled);
* ``figures``: one product's figures, each by the definition the rest of loopsource uses;
* ``claims``: conformity claims from the validation results;
* ``document``: the UNTP JSON-LD credential;
* ``signing``: eddsa-jcs-2022 Data Integrity proofs (sign, verify);
* ``schema``: checking a passport against a user-supplied JSON Schema, offline.

docs/passport.md maps every field to its figure and source.
"""
from __future__ import annotations

import difflib
from datetime import datetime
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..errors import PassportError
from ..scenario import EmissionFactors
from .claims import CLAIM_PROFILES, ClaimFigure, RuleInfo, product_claims, rule_catalogue
from .document import BATTERY_PASS, Issuer, default_issuer, passport_document
from .figures import ProductFigures, product_figures
from .inputs import PassportInputs, read_inputs
from .schema import check_schema, load_schema, schema_errors
from .signing import Verification, did_key, load_private_key, sign, verify


def product_ids(inputs: PassportInputs) -> list[str]:
    return sorted(inputs.snapshot.products)


def check_product(inputs: PassportInputs, product_id: str) -> None:
    """Raise a PassportError (exit 2) for a product id the graph does not have, with the closest one."""
    if product_id in inputs.snapshot.products:
        return
    ids = product_ids(inputs)
    close = difflib.get_close_matches(product_id, ids, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "") if ids else "none"
    raise PassportError(f"unknown product {product_id!r}{hint} (products in the graph: {listed})")


def build_passport(inputs: PassportInputs, product_id: str, factors: EmissionFactors, *,
                   issuer_id: str | None = None, key: Ed25519PrivateKey | None = None,
                   created: datetime | None = None) -> tuple[ProductFigures, dict[str, Any]]:
    """One product's figures and its passport, signed with ``key`` when given. The issuer is the
    manufacturer, identified by ``issuer_id`` (a DID), else by the key's did:key, else by a
    did:web of its loopsource IRI."""
    check_product(inputs, product_id)
    f = product_figures(inputs.snapshot, product_id, inputs.element_of, factors, inputs.battery.get(product_id, ()))
    entries = sorted({inputs.entry_of[ln.material.id] for ln in f.lines if ln.material.id in inputs.entry_of})
    claims = product_claims(product_id, inputs.units.get(product_id, ()), entries, inputs.aggregates, inputs.rules,
                            inputs.validation)
    who = default_issuer(f)
    if issuer_id is not None or key is not None:
        who = Issuer(issuer_id or did_key(key.public_key()), who.name)  # type: ignore[union-attr]
    doc = passport_document(f, claims, as_of=inputs.as_of, issuer=who, source=inputs.source)
    return f, (sign(doc, key, created=created) if key is not None else doc)


def build_passports(inputs: PassportInputs, products: Iterable[str], factors: EmissionFactors, *,
                    issuer_id: str | None = None, key: Ed25519PrivateKey | None = None) -> dict[str, dict[str, Any]]:
    """Product id -> passport, for each of ``products``."""
    return {pid: build_passport(inputs, pid, factors, issuer_id=issuer_id, key=key)[1] for pid in products}


__all__ = ["CLAIM_PROFILES", "BATTERY_PASS", "ClaimFigure", "RuleInfo", "Issuer", "PassportInputs", "ProductFigures",
           "Verification", "build_passport", "build_passports", "check_product", "check_schema", "default_issuer", "did_key",
           "load_private_key", "load_schema", "passport_document", "product_claims", "product_figures", "product_ids",
           "read_inputs", "rule_catalogue", "schema_errors", "sign", "verify"]
