"""The compliance columns of the input contract (all optional), checked like every other column.

Kept apart from ``loader.py`` so that the columns the EU profiles need (scope, unit of
assessment, evidence; see docs/compliance.md) sit in one place:

* products.csv: ``category`` (closed list, vocabularies.ttl), ``plant`` (site id of the
  manufacturing plant), ``capacity_kwh``, ``external_storage_only`` (true/false);
* purchases.csv: ``recycled_pre_consumer_share``, ``recycled_post_consumer_share`` (summing to
  ``recycled_share`` when it is given), ``chain_of_custody`` (ISO 22095:2020 models),
  ``certificate`` (``SCHEME:ID``);
* materials.csv: ``grade`` (the grades of the CRMA annexes), ``element_share``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from ..rdf.terms import decimal_literal, iri, string_literal
from ..rdf.vocab import LS, CodeLists
from .rows import Row

PRODUCT_COLUMNS = ("category", "plant", "capacity_kwh", "external_storage_only")
PURCHASE_COLUMNS = ("recycled_pre_consumer_share", "recycled_post_consumer_share", "chain_of_custody", "certificate")
MATERIAL_COLUMNS = ("grade", "element_share")
BOOLEANS = {"true": True, "false": False}
# A certification scheme, a colon, and the certificate's id within the scheme: ISCC-PLUS:EU-123.
CERTIFICATE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*:\S+$")

XSD_BOOLEAN = "<http://www.w3.org/2001/XMLSchema#boolean>"


def product_columns(row: Row, codes: CodeLists, site_ref: Callable[[Row, str], str | None]) -> None:
    """category, plant, capacity_kwh, external_storage_only of one products.csv row."""
    category = row.choice("category", codes.product_categories, "product category", required=False)
    if category is not None:
        row.emit(iri(LS + "category"), string_literal(row.values["category"].strip()))
    plant = site_ref(row, "plant")  # a site of kind plant (load.network checks the kind)
    if plant:
        row.emit(iri(LS + "madeAt"), iri(plant))
    capacity = row.number("capacity_kwh", required=False, non_negative=True)
    if capacity is not None:
        row.emit(iri(LS + "capacityKwh"), decimal_literal(capacity))
    external = row.choice("external_storage_only", {k: k for k in BOOLEANS}, "boolean (true or false)",
                          required=False)
    if external is not None:
        row.emit(iri(LS + "externalStorageOnly"), f'"{external}"^^{XSD_BOOLEAN}')


def purchase_columns(row: Row, codes: CodeLists, recycled: Decimal | None, reused: Decimal | None) -> Decimal | None:
    """The recycled-content split and its evidence. Returns the recycled share the purchase
    declares: ``recycled_share``, or pre + post when only the split is given."""
    pre = row.number("recycled_pre_consumer_share", required=False, share=True)
    post = row.number("recycled_post_consumer_share", required=False, share=True)
    declared = recycled
    if pre is not None and post is not None:
        if recycled is not None and pre + post != recycled:
            row.bad("recycled_post_consumer_share",
                    f"recycled_pre_consumer_share + recycled_post_consumer_share = {pre + post} differs from "
                    f"recycled_share {recycled}")
        elif recycled is None:
            declared = pre + post
            if pre + post > 1:
                row.bad("recycled_post_consumer_share",
                        f"recycled_pre_consumer_share + recycled_post_consumer_share = {pre + post} is more than 1")
            elif reused is not None and pre + post + reused > 1:
                row.bad("reused_share", f"recycled shares + reused_share = {pre + post + reused} is more than 1")
    elif recycled is not None:
        for column, part in (("recycled_pre_consumer_share", pre), ("recycled_post_consumer_share", post)):
            if part is not None and part > recycled:
                row.bad(column, f"{part} is more than recycled_share {recycled}")
    for prop, part in (("recycledPreConsumerShare", pre), ("recycledPostConsumerShare", post)):
        if part is not None:
            row.emit(iri(LS + prop), decimal_literal(part))
    chain = row.choice("chain_of_custody", codes.chains_of_custody, "chain-of-custody model (ISO 22095)",
                       required=False)
    if chain is not None:
        row.emit(iri(LS + "chainOfCustody"), iri(chain))
    certificate = row.text("certificate", required=False)
    if certificate is not None:
        if CERTIFICATE.match(certificate):
            row.emit(iri(LS + "certificate"), string_literal(certificate))
        else:
            row.bad("certificate", f"{certificate!r} is not SCHEME:ID (e.g. ISCC-PLUS:EU-123)")
    return declared


def material_columns(row: Row, codes: CodeLists) -> None:
    """grade and element_share of one materials.csv row."""
    grade = row.choice("grade", codes.grades, "grade", required=False)
    if grade is not None:
        row.emit(iri(LS + "grade"), string_literal(row.values["grade"].strip()))
    share = row.number("element_share", required=False, share=True)
    if share is not None:
        if share == 0:
            row.bad("element_share", "0 is not a mass fraction of the element: leave it empty if unknown")
        else:
            row.emit(iri(LS + "elementShare"), decimal_literal(share))
