"""Optional evidence columns of purchases.csv and plant/capacity_kwh of products.csv: loaded into
the graph and the snapshot when valid, reported as FILE:LINE: column when not."""
from __future__ import annotations

from pathlib import Path

import pytest

from loopsource.analysis.snapshot import read_snapshot
from loopsource.errors import InputError
from loopsource.load.loader import load_directory

HEADER = ("id,date,buyer_site,supplier_site,material,quantity,unit,spend,currency,recycled_share,reused_share,"
          "transport_mode,recycled_pre_consumer_share,recycled_post_consumer_share,chain_of_custody,certificate\n")


def _purchases(mini_dir: Path, *rows: str) -> None:
    (mini_dir / "purchases.csv").write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def _plant(mini_dir: Path, plant: str, capacity: str) -> None:
    path = mini_dir / "products.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",plant,capacity_kwh"
    lines[1] += f",{plant},{capacity}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_valid_evidence_and_plant_reach_the_snapshot(mini_dir: Path, build_store) -> None:
    _purchases(mini_dir, "PO-1,2024-03-01,S-PLANT,S-SUP1,M-AL,2,t,5000,EUR,0.3,0,road,0.1,0.2,mass_balance,ISCC-PLUS:EU-1",
               "PO-2,2024-04-01,S-PLANT,S-SUP2,M-LI,500,kg,9000,USD,0.05,0,sea,,,,")
    _plant(mini_dir, "S-PLANT", "75")
    snap = read_snapshot(build_store(mini_dir, reason=False))
    p1 = next(p for p in snap.purchases if p.id == "PO-1")
    assert (p1.recycled_pre_consumer_share, p1.recycled_post_consumer_share, p1.chain_of_custody, p1.certificate) \
        == (0.1, 0.2, "mass_balance", "ISCC-PLUS:EU-1")
    p2 = next(p for p in snap.purchases if p.id == "PO-2")
    assert (p2.recycled_pre_consumer_share, p2.chain_of_custody, p2.certificate) == (None, None, None)
    product = snap.products["P-BAT"]
    assert (product.plant, product.capacity_kwh) == ("S-PLANT", 75.0)


@pytest.mark.parametrize("row, column, reason", [
    # the purchases.csv and bids.csv readers are one (load.compliance.purchase_columns)
    ("0.3,0,road,0.2,0.2,,", "recycled_post_consumer_share", "= 0.4 differs from recycled_share 0.3"),
    ("0.3,0,road,0.4,,,", "recycled_pre_consumer_share", "is more than recycled_share 0.3"),
    (",0,road,0.7,0.6,,", "recycled_post_consumer_share", "= 1.3 is more than 1"),
    ("0.3,0,road,,,blended,", "chain_of_custody", "'blended'"),
    ("0.3,0,road,,,,ISCC 123", "certificate", "is not SCHEME:ID"),
])
def test_bad_evidence_names_line_and_column(mini_dir: Path, row: str, column: str, reason: str) -> None:
    _purchases(mini_dir, "PO-1,2024-03-01,S-PLANT,S-SUP1,M-AL,2,t,5000,EUR," + row)
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    assert [(p.file, p.line, p.column) for p in e.value.problems] == [("purchases.csv", 2, column)]
    assert reason in e.value.problems[0].reason


def test_unknown_plant_is_reported(mini_dir: Path) -> None:
    _plant(mini_dir, "S-NOWHERE", "-1")
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    assert {(p.file, p.line, p.column) for p in e.value.problems} == {("products.csv", 2, "plant"),
                                                                       ("products.csv", 2, "capacity_kwh")}
