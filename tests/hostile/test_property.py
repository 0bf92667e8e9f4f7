"""Property-based: any text in a CSV cell is either accepted as what the contract says it is,
or refused with one problem naming FILE:LINE and the column; never an internal error.

The example budget is fixed in CI (CI=true: 150 examples per property, derandomized, so a
CI run is reproducible); locally hypothesis explores more.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loopsource.errors import InputError
from loopsource.load.loader import load_directory
from loopsource.load.rows import MAX_DECIMALS, MAX_VALUE

from .conftest import MINI

CI = os.environ.get("CI", "").lower() == "true"
BUDGET = settings(max_examples=150 if CI else 400, deadline=None, derandomize=CI,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
GRAMMAR = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
LS = "https://w3id.org/loopsource/ontology#"

# cell text: anything, and things that look like numbers (so both sides of the grammar are hit)
number_like = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.from_regex(r"[+-]?[0-9]{0,15}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,5})?", fullmatch=True),
    st.text(alphabet="0123456789.eE+-_ ,\u0661\uff11", max_size=12),
)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _with_purchase_cell(tmp: Path, column: str, value: str) -> Path:
    data = tmp / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(MINI, data)
    path = data / "purchases.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[0][column] = value
    buf = io.StringIO()
    # QUOTE_ALL: the minimal quoting leaves a bare '\r' unquoted, which is then a line break
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writeheader()
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return data


def _expected_mass(text: str) -> Decimal | None:
    """What the contract accepts for quantity (unit t on line 2): the mass in kg, or None."""
    t = text.strip()
    if not GRAMMAR.fullmatch(t):
        return None
    d = Decimal(t)
    if d <= 0 or d > MAX_VALUE or d * 1000 > MAX_VALUE:
        return None
    if -d.normalize().as_tuple().exponent > MAX_DECIMALS:
        return None
    return d * 1000


@BUDGET
@given(value=number_like)
def test_quantity_cell_is_accepted_exactly_when_the_contract_says(tmp_path_factory, value: str) -> None:
    data = _with_purchase_cell(tmp_path_factory.mktemp("p"), "quantity", value)
    expected = _expected_mass(value)
    try:
        loaded = load_directory(data)
    except InputError as e:
        assert expected is None, f"{value!r} was refused: {e}"
        assert [(p.file, p.line, p.column) for p in e.problems] == [("purchases.csv", 2, "quantity")]
        return
    assert expected is not None, f"{value!r} was accepted"
    masses = [q.object for q in ox.parse(loaded.ntriples, format=ox.RdfFormat.N_TRIPLES)
              if q.subject.value.endswith("/purchase/PO-1") and q.predicate.value == LS + "massKg"]
    assert len(masses) == 1 and Decimal(masses[0].value) == expected


@BUDGET
@given(value=any_text)
def test_any_text_cell_is_accepted_or_refused_with_file_line_column(tmp_path_factory, value: str) -> None:
    """Arbitrary text (controls, quotes, newlines, non-ASCII) in the id and in a number column."""
    for column in ("id", "spend"):
        data = _with_purchase_cell(tmp_path_factory.mktemp("t"), column, value)
        try:
            loaded = load_directory(data)
        except InputError as e:
            assert e.problems and all(p.file == "purchases.csv" for p in e.problems)
            assert all(p.column == column and p.line == 2 for p in e.problems), e.problems
            continue
        # accepted: the N-Triples are well formed, and an id round-trips as the literal
        triples = list(ox.parse(loaded.ntriples, format=ox.RdfFormat.N_TRIPLES))
        if column == "id":
            ids = {q.object.value for q in triples if q.predicate.value == LS + "id"
                   and "/purchase/" in q.subject.value}
            assert value.strip() in ids
