"""Recycled-content evidence columns, checked the same way in purchases.csv and bids.csv.

* ``recycled_pre_consumer_share`` and ``recycled_post_consumer_share``: fractions of the mass
  recycled from pre-consumer (manufacturing) and post-consumer waste. Given together they sum
  to ``recycled_share``; one alone is at most ``recycled_share``.
* ``chain_of_custody``: the model that links the claim to the material, after ISO 22095:2020
  (identity preserved, segregated, controlled blending, mass balance, book and claim).
* ``certificate``: the certificate that backs the claim, as ``SCHEME:ID`` (``ISCC-PLUS:EU-123``).
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..rdf.terms import decimal_literal, iri, string_literal
from ..rdf.vocab import LS
from .rows import Row

#: ISO 22095:2020 chain-of-custody models, strongest first.
CHAINS_OF_CUSTODY: tuple[str, ...] = ("identity_preserved", "segregated", "controlled_blending", "mass_balance",
                                      "book_and_claim")
_CERTIFICATE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*:\S.*$")
#: Pre- and post-consumer shares may differ from recycled_share by rounding only.
_TOLERANCE = Decimal("0.000001")


def read_evidence(row: Row, recycled: Decimal | None) -> None:
    """Check the evidence columns of ``row`` (present in its values) and emit their triples."""
    pre = row.number("recycled_pre_consumer_share", required=False, share=True)
    post = row.number("recycled_post_consumer_share", required=False, share=True)
    given = [d for d in (pre, post) if d is not None]
    if given and recycled is None:
        col = "recycled_pre_consumer_share" if pre is not None else "recycled_post_consumer_share"
        row.bad(col, "a pre- or post-consumer share is given without recycled_share")
    elif pre is not None and post is not None and recycled is not None and abs(pre + post - recycled) > _TOLERANCE:
        row.bad("recycled_post_consumer_share",
                f"recycled_pre_consumer_share + recycled_post_consumer_share = {pre + post}, "
                f"not recycled_share {recycled}")
    elif recycled is not None and any(d > recycled + _TOLERANCE for d in given):
        col = "recycled_pre_consumer_share" if pre is not None and pre > recycled else "recycled_post_consumer_share"
        row.bad(col, f"is more than recycled_share {recycled}")
    chain = row.choice("chain_of_custody", {c: c for c in CHAINS_OF_CUSTODY}, "chain of custody (ISO 22095)",
                       required=False)
    certificate = row.text("certificate", required=False)
    if certificate is not None and not _CERTIFICATE.match(certificate):
        row.bad("certificate", f"{certificate!r} is not SCHEME:ID (e.g. ISCC-PLUS:EU-123)")
        certificate = None
    for prop, d in (("recycledPreConsumerShare", pre), ("recycledPostConsumerShare", post)):
        if d is not None:
            row.emit(iri(LS + prop), decimal_literal(d))
    if chain:
        row.emit(iri(LS + "chainOfCustody"), string_literal(chain))
    if certificate:
        row.emit(iri(LS + "certificate"), string_literal(certificate))
