"""The demo tender (data/demo/tender), scored by hand criterion by criterion, bid by bid.

Shared inputs of the hand computation (data/demo and data/demo/tender):

* emission factors (src/loopsource/data/transport_factors.yaml, DESNZ 2026, well-to-wheel): road
  0.10356 + 0.02359, sea 0.01612 + 0.00365 kg CO2e/tkm, so transport kg CO2e per kg = km x factor
  / 1000; distances follow ISO 14083 (loopsource.transport_distance): road = haversine x 1.2
  (estimated SFD) x 1.05, sea = searoute sea route x 1.15, between the supplier site's and the
  delivery site's coordinates;
* life_cycle_cost = price per kg + 100 EUR/t CO2e x kg CO2e per kg / 1000 (end-of-life cost 0);
  USD is converted with fx.csv: 1 USD = 0.924 EUR;
* weights: life-cycle cost 40, circularity 30, transport 10, lead time 10, portfolio 10;
  circularity = 0.6 recycled + 0.3 take-back + 0.1 warranty; portfolio = 0.35 supplier HHI +
  0.35 country HHI + 0.15 single sourcing + 0.15 CRMA;
* lowest_ratio = x_min / x, highest_ratio = x / x_max, linear_low = (worst - x)/(worst - best).
"""
from __future__ import annotations

import csv
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.geo import haversine_km
from loopsource.load.build import build
from loopsource.scenario import load_factors
from loopsource.store import EmbeddedStore
from loopsource.tender import evaluate, parse_criteria, read_tender
from loopsource.transport_distance import sea_route_km

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
TENDER = DEMO / "tender"
WRO, LYO = (51.1029, 17.0301), (45.6971, 4.8859)
ROAD, SEA = 0.10356 + 0.02359, 0.01612 + 0.00365  # kg CO2e per tonne-km, WTW


def kg_co2e_per_kg(a: tuple[float, float], b: tuple[float, float], factor: float) -> float:
    """Delivery site a, supplier site b: ISO 14083 km x factor / 1000 (kg per tonne)."""
    if factor == SEA:
        return sea_route_km(*b, *a) * 1.15 * factor / 1000
    return haversine_km(*a, *b) * 1.2 * 1.05 * factor / 1000


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tender") / "store"
    build(DEMO, root)
    return root


@pytest.fixture(scope="module")
def doc(store_dir: Path) -> dict:
    gs = EmbeddedStore(store_dir, read_only=True)
    try:
        inp = read_tender(gs, TENDER / "bids.csv", parse_criteria(TENDER / "criteria.yaml"))
    finally:
        gs.close()
    return evaluate(inp, load_factors())


def lot(doc: dict, lot_id: str) -> dict:
    return next(x for x in doc["lots"] if x["id"] == lot_id)


def points(doc: dict, lot_id: str) -> dict[str, dict[str, float]]:
    return {r["bid"]: {k: v["points"] for k, v in r["scores"].items()} | {"total": r["total"]}
            for r in lot(doc, lot_id)["ranking"]}


def check(got: dict[str, dict[str, float]], want: dict[str, dict[str, float]]) -> None:
    assert set(got) == set(want)
    for bid, crit in want.items():
        for k, v in crit.items():
            assert got[bid][k] == pytest.approx(v, rel=1e-9, abs=1e-9), (bid, k)


def test_lot_1_silicon(doc: dict) -> None:
    """Lot L1, silicon metal to Wrocław, award_share 0.5. No knock-out (all hold ISO 14001, lead <= 60).

    e: SILGAL Vigo road 2183.1 km x 1.26 = 2750.7 km -> 0.34975; NORDSIL Kristiansand sea route x 1.15
    = 862.3 km -> 0.017047; ANYANG sea route x 1.15 = 25,210 km -> 0.49841 kg CO2e/kg.
    LCC: SILGAL 2.70 + 0.1 e = 2.73498; NORDSIL 2.95 + 0.1 e = 2.95170; ANYANG 2.30 x 0.924 = 2.1252
    + 0.1 e = 2.17504 (lowest): scores 0.79527, 0.73688, 1 -> 31.811, 29.475, 40 points.
    Circularity: only NORDSIL has certified recycled content (0.15 -> ratio 1): 0.6 x 30 = 18; no
    take-back, no warranty stated (highest_ratio 0 when every bid has 0).
    Transport linear_low on e: ANYANG worst 0, NORDSIL best 1, SILGAL (0.49841-0.34975)/(0.49841-0.017047)
    = 0.30882 -> 3.088 (the sea route from China is the longest leg since sea distances follow ISO 14083). Lead time 14/21/55 days: 1, (55-21)/(55-14) = 0.82927, 0 -> 10, 8.293, 0.
    Portfolio: Wrocław bought 1792 + 2718 + 2424 + 2549 = 9483 kg of M-SI, all from SILGAL (ES), of
    13,914 kg in all; awarding half of it to NORDSIL or ANYANG moves 4741.5 kg: supplier and country HHI
    10^4 x ((9172.5/13914)^2 + (4741.5/13914)^2) = 5507.07, no longer single-sourced, largest non-EU
    share per year at most 2486.5/6883 = 0.3613 (no CRMA breach) -> 10 points; SILGAL moves nothing:
    HHI 10,000 (score 0), single-sourced (0), no breach (1) -> 0.15 x 10 = 1.5.
    """
    e_s = kg_co2e_per_kg(WRO, (42.2328, -8.7226), ROAD)
    e_n = kg_co2e_per_kg(WRO, (58.1467, 7.9956), SEA)
    e_a = kg_co2e_per_kg(WRO, (36.0976, 114.3925), SEA)
    lcc = {"S": 2.70 + 0.1 * e_s, "N": 2.95 + 0.1 * e_n, "A": 2.30 * 0.924 + 0.1 * e_a}
    low = lcc["A"]
    want = {
        "B-L1-SILGAL": {"life_cycle_cost": 40 * low / lcc["S"], "circularity": 0.0,
                        "transport": 10 * (e_a - e_s) / (e_a - e_n), "lead_time": 10.0, "portfolio": 1.5},
        "B-L1-NORDSIL": {"life_cycle_cost": 40 * low / lcc["N"], "circularity": 18.0, "transport": 10.0,
                         "lead_time": 10 * 34 / 41, "portfolio": 10.0},
        "B-L1-ANYANG": {"life_cycle_cost": 40.0, "circularity": 0.0, "transport": 0.0, "lead_time": 0.0,
                        "portfolio": 10.0},
    }
    for w in want.values():
        w["total"] = sum(w.values())
    check(points(doc, "L1"), want)
    assert 40 * low / lcc["S"] == pytest.approx(31.811, abs=5e-4) and 10 * (e_a - e_s) / (e_a - e_n) == \
        pytest.approx(3.088, abs=5e-4)
    ranking = lot(doc, "L1")["ranking"]
    assert [r["bid"] for r in ranking] == ["B-L1-NORDSIL", "B-L1-ANYANG", "B-L1-SILGAL"]
    effect = ranking[0]["award_effect"]
    assert effect["moved_kg"] == pytest.approx(4741.5)
    assert effect["after"]["supplier_hhi"] == pytest.approx(1e4 * ((9172.5 / 13914) ** 2 + (4741.5 / 13914) ** 2))
    assert effect["after"]["crma_largest_non_eu_share"] == pytest.approx(2486.5 / 6883)
    assert effect["before"]["supplier_hhi"] == 10000 and effect["before"]["single_source"] is True
    assert lot(doc, "L1")["knocked_out"] == []


def test_lot_2_ceramics(doc: dict) -> None:
    """Lot L2, ceramic-fibre sheet to Lyon, award_share 1.

    e: PLZKER Plzeň road 777.92 km x 1.26 = 980.18 km -> 0.12463; CERAMRHONE Vénissieux road 0.772 km
    x 1.26 = 0.973 km -> 0.000124.
    LCC 8.90 + 0.1 e = 8.91246 (lowest) and 9.60 + 0.1 e = 9.60001: 40 and 40 x 8.91246/9.60001 = 37.135.
    Circularity: PLZKER's 0.05 recycled has no certificate and counts 0; no take-back; warranty 5 of the
    best 7 years -> 30 x 0.1 x 5/7 = 2.143; CERAMRHONE 0.6 + 0.3 + 0.1 = 1 -> 30.
    Transport and lead time (10 vs 5 days): CERAMRHONE best on both -> 10 + 10, PLZKER 0 + 0.
    Portfolio: Lyon bought 459.7 + 770.2 + 1072 = 2301.9 kg of 3914.5 kg, all from PLZKER (CZ); awarding
    it to CERAMRHONE (FR): HHI 10^4 x ((1612.6/3914.5)^2 + (2301.9/3914.5)^2) = 5155.0 -> 10 points;
    PLZKER: 1.5 (not a strategic material: no CRMA breach either way).
    """
    e_p = kg_co2e_per_kg(LYO, (49.7475, 13.3776), ROAD)
    e_c = kg_co2e_per_kg(LYO, (45.7040, 4.8870), ROAD)
    lcc_p, lcc_c = 8.90 + 0.1 * e_p, 9.60 + 0.1 * e_c
    want = {
        "B-L2-PLZKER": {"life_cycle_cost": 40.0, "circularity": 30 * 0.1 * 5 / 7, "transport": 0.0,
                        "lead_time": 0.0, "portfolio": 1.5},
        "B-L2-CERAMRHONE": {"life_cycle_cost": 40 * lcc_p / lcc_c, "circularity": 30.0, "transport": 10.0,
                            "lead_time": 10.0, "portfolio": 10.0},
    }
    for w in want.values():
        w["total"] = sum(w.values())
    check(points(doc, "L2"), want)
    assert 40 * lcc_p / lcc_c == pytest.approx(37.135, abs=5e-4)
    best = lot(doc, "L2")["ranking"][0]
    assert best["bid"] == "B-L2-CERAMRHONE" and best["new_site"] is True and best["figures"]["tier"] == "hyperlocal"
    assert best["award_effect"]["after"]["supplier_hhi"] == pytest.approx(
        1e4 * ((1612.6 / 3914.5) ** 2 + (2301.9 / 3914.5) ** 2))


def test_lot_3_crates_circularity_wins_despite_price_and_evidence_knock_out(doc: dict) -> None:
    """Lot L3, HDPE crates to Wrocław: recycled share >= 0.3 with a certificate, and take-back.

    Knocked out: BALTPOL (0.50 recycled, no certificate: missing evidence) and QILU (no certificate,
    0 recycled < 0.3, no take-back). Admissible: SCHELDT (6.40 EUR/kg) and ODRAPLAST (7.30 EUR/kg).
    e: SCHELDT Antwerp road 879.73 km x 1.26 = 1108.46 km -> 0.14094; ODRAPLAST Oława road 25.28 km
    x 1.26 = 31.85 km -> 0.0040502.
    LCC 6.41409 (lowest) and 7.30041: 40 and 40 x 6.41409/7.30041 = 35.144.
    Circularity: SCHELDT 0.6 x 0.35/0.90 + 0.3 + 0.1 x 5/8 = 0.59583 -> 17.875; ODRAPLAST 1 -> 30.
    Transport, lead time (12 vs 7 days): ODRAPLAST 10 + 10, SCHELDT 0 + 0.
    Portfolio: Wrocław bought 1137 + 841.5 + 2024 + 2435 + 2084 + 1354 = 9875.5 kg of 14,928.2 kg, all
    from SCHELDTPOL (BE): to ODRAPLAST (PL): HHI 10^4 x ((5052.7/14928.2)^2 + (9875.5/14928.2)^2)
    = 5521.9 -> 10; SCHELDT 1.5. Totals 59.375 and 95.144: the dearer, circular bid wins.
    """
    e_s = kg_co2e_per_kg(WRO, (51.2205, 4.4003), ROAD)
    e_o = kg_co2e_per_kg(WRO, (50.9466, 17.2926), ROAD)
    lcc_s, lcc_o = 6.40 + 0.1 * e_s, 7.30 + 0.1 * e_o
    want = {
        "B-L3-SCHELDT": {"life_cycle_cost": 40.0, "circularity": 30 * (0.6 * 0.35 / 0.90 + 0.3 + 0.1 * 5 / 8),
                         "transport": 0.0, "lead_time": 0.0, "portfolio": 1.5},
        "B-L3-ODRAPLAST": {"life_cycle_cost": 40 * lcc_s / lcc_o, "circularity": 30.0, "transport": 10.0,
                           "lead_time": 10.0, "portfolio": 10.0},
    }
    for w in want.values():
        w["total"] = sum(w.values())
    check(points(doc, "L3"), want)
    assert want["B-L3-SCHELDT"]["total"] == pytest.approx(59.375) and \
        want["B-L3-ODRAPLAST"]["total"] == pytest.approx(95.144, abs=5e-4)
    l3 = lot(doc, "L3")
    assert l3["winner"] == "B-L3-ODRAPLAST"
    prices = {r["bid"]: r["figures"]["price_per_kg"] for r in l3["ranking"]}
    assert prices["B-L3-ODRAPLAST"] > prices["B-L3-SCHELDT"]
    knocked = {(k["bid"], x["code"], x["path"], x["constraint"]) for k in l3["knocked_out"] for x in k["reasons"]}
    assert knocked == {
        ("B-L3-BALTPOL", "KO-EVIDENCE-CERTIFICATE", "ls:certificate", "sh:minCount"),
        ("B-L3-QILU", "KO-EVIDENCE-CERTIFICATE", "ls:certificate", "sh:minCount"),
        ("B-L3-QILU", "KO-RECYCLED-SHARE", "ls:offeredRecycledShare", "sh:minInclusive"),
        ("B-L3-QILU", "KO-TAKE-BACK", "ls:takeBack", "sh:hasValue"),
    }
    assert {k["bid"]: k["missing_evidence"] for k in l3["knocked_out"]} == {
        "B-L3-BALTPOL": ["certificate"], "B-L3-QILU": ["certificate"]}


def test_demo_tender_size() -> None:
    """At least three lots and eight bids (issue 18)."""
    rows = list(csv.DictReader((TENDER / "bids.csv").open(encoding="utf-8")))
    assert len({r["lot"] for r in rows}) >= 3 and len(rows) >= 8


def test_knock_outs_run_in_validate_with_the_same_results(store_dir: Path, tmp_path: Path) -> None:
    """tender --shapes-out / --bids-out, the bids put into a copy of data/demo as a user RDF file,
    then validate --shapes: the same (bid, code, path) set as the tender's knock-outs."""
    runner = CliRunner()
    shapes, bids_nt, out = tmp_path / "ko.ttl", tmp_path / "bids.nt", tmp_path / "t.json"
    r = runner.invoke(main, ["tender", str(TENDER / "bids.csv"), "--criteria", str(TENDER / "criteria.yaml"),
                             "--store", str(store_dir), "-o", str(out), "--shapes-out", str(shapes),
                             "--bids-out", str(bids_nt)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    expected = {(k["bid"], x["code"], x["path"]) for lt in doc["lots"] for k in lt["knocked_out"] for x in k["reasons"]}
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    shutil.copy(bids_nt, data / "tender-bids.nt")
    r = runner.invoke(main, ["build", str(data), "--store", str(tmp_path / "s2")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["validate", "--store", str(tmp_path / "s2"), "--profile", "data-quality",
                             "--shapes", str(shapes), "--format", "json"])
    assert r.exit_code == 1, r.output
    results = json.loads(r.stdout[r.stdout.index("{"):])["results"]
    got = {(x["focus"], x["code"], x["path"]) for x in results if x["profile"] == "user:ko.ttl"}
    assert got == expected and len(got) == 4
    assert not [x for x in results if x["profile"] == "data-quality" and x["severity"] == "violation"]


BIDS_HEADER = ("tender,lot,bid,supplier_site,material,quantity,unit,unit_price,currency,recycled_share,"
               "recycled_pre_consumer_share,recycled_post_consumer_share,chain_of_custody,certificate,take_back,"
               "lead_time_days,certifications,transport_mode,warranty_years,organisation,site_name,country,lat,lon\n")


def test_bad_bids_are_reported_all_at_once_exit_2(store_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bids.csv"
    bad.write_text(BIDS_HEADER
                   + "T-2026-ORV-01,L3,X1,S-NOWHERE,M-HDPE,10,t,5,EUR,0.5,0.3,0.3,blended,nocolon,maybe,5,ISO 9999,"
                     "truck,2,,,,,\n"
                   + "T-2026-ORV-01,L3,X1,S-SCHELDTPOL-ANR,M-HDPE,-1,t,5,EUR,1.5,,,,,true,5,,road,2,,,,,\n",
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["tender", str(bad), "--criteria", str(TENDER / "criteria.yaml"),
                                  "--store", str(store_dir), "--format", "json"])
    assert r.exit_code == 2
    for text in ("bids.csv:2: column supplier_site: unknown site 'S-NOWHERE'",
                 "bids.csv:2: column recycled_post_consumer_share:", "bids.csv:2: column chain_of_custody:",
                 "bids.csv:2: column certificate:", "bids.csv:2: column take_back:",
                 "bids.csv:2: column certifications: unknown certification 'ISO 9999'",
                 "bids.csv:2: column transport_mode:", "bids.csv:3: column bid: duplicate id",
                 "bids.csv:3: column quantity:", "bids.csv:3: column recycled_share:"):
        assert text in r.output, (text, r.output)
    assert "Traceback" not in r.output


def test_bids_must_fit_the_criteria(store_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bids.csv"
    bad.write_text(BIDS_HEADER
                   + "T-OTHER,L9,X1,S-SCHELDTPOL-ANR,M-HDPE,10,t,5,EUR,0.5,,,,,true,5,ISO 14001,road,2,,,,,\n"
                   + "T-2026-ORV-01,L3,X2,S-SCHELDTPOL-ANR,M-PET,10,t,5,CHF,0.5,,,,,true,5,ISO 14001,,2,,,,,\n",
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["tender", str(bad), "--criteria", str(TENDER / "criteria.yaml"),
                                  "--store", str(store_dir)])
    assert r.exit_code == 2
    for text in ("bids.csv:2: column tender:", "bids.csv:2: column lot: unknown lot 'L9'",
                 "bids.csv:3: column material: lot L3 is for M-HDPE, not M-PET",
                 "bids.csv:3: column currency: no exchange rate for CHF",
                 "bids.csv:3: column transport_mode: required"):
        assert text in r.output, (text, r.output)


@pytest.mark.parametrize("text, message", [
    ("tender: T\ncurrency: EUR\nlots: []\n", "lots must be a non-empty list"),
    ("tender: T\ncurrency: EUR\naward:\n  - criterion: price\n    weight: 60\nlots:\n  - id: A\n    material: M\n"
     "    delivery_site: S\n", ":7: lot A: award weights add up to 60, not 100"),
    ("tender: T\ncurrency: EUR\nknock_out:\n  - requirement: min_recycled_share\n    value: 1.5\nlots: []\n",
     ":5: value 1.5 is outside [0, 1]"),
    ("tender: T\ncurrency: EUR\nknock_out:\n  - requirement: take_back\n    evidence: certificate\nlots: []\n",
     ":5: take_back takes no evidence"),
    ("tender: T\ncurrency: EUR\naward:\n  - criterion: beauty\n    weight: 100\nlots: []\n",
     ":4: an award criterion is a mapping with 'criterion'"),
])
def test_bad_criteria_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "criteria.yaml"
    path.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["tender", str(TENDER / "bids.csv"), "--criteria", str(path),
                                  "--store", str(tmp_path / "nostore")])
    assert r.exit_code == 2, r.output
    assert str(path) in r.output and message in r.output, r.output


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.ids.update(v for k, v in attrs if k == "id")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_parsed_and_escaped(store_dir: Path, tmp_path: Path) -> None:
    """A new supplier site named <script>: the page shows it as text and holds no script element."""
    evil = "<script>alert(1)</script>"
    rows = (TENDER / "bids.csv").read_text(encoding="utf-8").replace("Odra Plast Oława crate moulding", evil)
    bids = tmp_path / "bids.csv"
    bids.write_text(rows.replace("ORG-ODRAPLAST", '"<b>ORG</b>"'), encoding="utf-8")
    out = tmp_path / "t.html"
    r = CliRunner().invoke(main, ["tender", str(bids), "--criteria", str(TENDER / "criteria.yaml"),
                                  "--store", str(store_dir), "-o", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    assert "script" not in page.tags and "b" not in page.tags
    assert {"lot-L1", "lot-L2", "lot-L3", "methodology"} <= page.ids
    text = "".join(page.text)
    assert "<b>ORG</b>" in text and "B-L3-ODRAPLAST" in text and "missing evidence" in text
