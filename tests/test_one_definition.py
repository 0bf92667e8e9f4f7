"""One definition per figure: every figure that more than one output shows is the same in all of them.

The outputs: the catalogue queries (rows from the store), metrics.json, validation.json and
report.html as ``loopsource run`` writes them (``pipeline.run``), ``metrics_of`` with a year
filter (what ``report --year`` shows), and the scenario document's baseline
(``scenario.compare``). Each data set is the bundled demo or generated data
(``devdata.generate``, two seeds and sizes). Floats agree to 1e-9 relative (the queries add
up in xsd:decimal or xsd:double, Python in float); the report is read from the data-value
attributes of its cards and table cells (the exact number beside the rounded text), and
validation.json's shares are metrics.json's rounded to 6 decimals (the aggregates round so
that a 0.65 benchmark is met by 0.65 computed as 0.6500000000000001).

The haversine in SPARQL arithmetic is checked against ``geo.haversine_km`` to 1e-6 km on
vectors, and the thresholds in the query headers against the module constants.
"""
from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from loopsource.definitions import HYPERLOCAL_KM, LOCAL_TIERS, TIERS
from loopsource.geo import haversine_km
from loopsource.query import bind, catalogue, resolve, to_term
from loopsource.store import EmbeddedStore

from .conftest import DEMO

REL = 1e-9


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=REL, abs_tol=1e-12)


def assert_same(got: dict[Any, Any], want: dict[Any, Any], what: str) -> None:
    """Two mappings of numbers (or tuples of numbers) with the same keys and equal values."""
    assert set(got) == set(want), f"{what}: keys differ: {sorted(set(got) ^ set(want), key=str)[:10]}"
    bad = []
    for k in want:
        g, w = got[k], want[k]
        pairs = zip(g, w) if isinstance(w, tuple) else [(g, w)]
        if not all(same(x, y) for x, y in pairs):
            bad.append((k, g, w))
    assert not bad, f"{what}: {len(bad)} values differ, e.g. {bad[:5]}"


# ----------------------------------------------------------------------------- the outputs
class _Cells(HTMLParser):
    """report.html: the cards and table rows that carry data-* attributes, with their cells' data-value."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, str | None] = {}
        self.rows: list[tuple[str, dict[str, str], list[str | None]]] = []  # (table, row attributes, cell values)
        self.table = ""
        self.row: tuple[str, dict[str, str], list[str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.table = a.get("data-table", "")
        elif tag == "div" and "data-figure" in a:
            self.cards[a["data-figure"]] = a.get("data-value")
        elif tag == "tr":
            self.row = (self.table, a, [])
            self.rows.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.row[2].append(a.get("data-value"))


@dataclass(frozen=True)
class Outputs:
    store: EmbeddedStore
    metrics: dict[str, Any]  # metrics.json
    validation: dict[str, Any]  # validation.json
    report: _Cells  # report.html
    baseline: dict[str, Any]  # scenario document: baseline indicators
    years: tuple[int, ...]

    def query(self, name: str, **params: str) -> list[dict[str, Any]]:
        q = resolve(name)
        return self.store.select(q.text, bind(q, list(params.items()))).values()


def _data(name: str, root: Path) -> Path:
    if name == "demo":
        return DEMO
    from loopsource.devdata.generate import generate

    suppliers, seed = {"gen-40-s3": (40, 3), "gen-120-s11": (120, 11)}[name]
    generate(root / "data", suppliers, seed)
    _circularity_inputs(root / "data", recovery=name == "gen-40-s3")
    return root / "data"


def _circularity_inputs(d: Path, recovery: bool) -> None:
    """What the CTI and MCI 2019 figures read, added to generated data (the generator writes none
    of it): sales.csv (each product 1,000 units in 2024 and 1,500 in 2025, revenue on 2024 only),
    certificates on every second purchase of a biological material (FSC, or PEFC with book and
    claim, which does not count, on every sixth), and with ``recovery`` a recovery potential of
    0.9 on every product (without it the CTI outflow is not computable: the null path)."""
    import csv

    mats = {r["id"] for r in csv.DictReader((d / "materials.csv").open(encoding="utf-8"))
            if r["class"] in ("Wood", "Paper", "Cardboard", "Cotton")}
    with (d / "purchases.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[0] += ["chain_of_custody", "certificate"]
    bio = 0
    for r in rows[1:]:
        cert = ("", "")
        if r[4] in mats:
            bio += 1
            cert = ("book_and_claim", f"PEFC:P-{bio}") if bio % 6 == 0 else ("", f"FSC:C-{bio}") if bio % 2 else cert
        r += list(cert)
    with (d / "purchases.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    products = [r["id"] for r in csv.DictReader((d / "products.csv").open(encoding="utf-8"))]
    (d / "sales.csv").write_text("product,year,units,revenue,currency\n" + "".join(
        f"{p},2024,1000,{1000 * (i + 2)},EUR\n{p},2025,1500,,\n" for i, p in enumerate(products)), encoding="utf-8")
    if recovery:
        with (d / "products.csv").open(encoding="utf-8") as f:
            prows = list(csv.reader(f))
        prows[0].append("recovery_potential")
        for r in prows[1:]:
            r.append("0.9")
        with (d / "products.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(prows)


@pytest.fixture(scope="module", params=["demo", "gen-40-s3", "gen-120-s11"])
def out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    from loopsource.analysis.snapshot import read_snapshot
    from loopsource.pipeline import run
    from loopsource.scenario import compare, load_factors

    root = tmp_path_factory.mktemp(request.param)
    res = run(_data(request.param, root), root / "out")
    store = EmbeddedStore(res.store_path)
    cells = _Cells()
    cells.feed(res.report_path.read_text(encoding="utf-8"))
    snapshot = read_snapshot(store)
    baseline = compare(snapshot, [], load_factors())["baseline"]
    years = tuple(sorted({p.date.year for p in snapshot.purchases}))
    return Outputs(store, json.loads(res.metrics_path.read_text(encoding="utf-8")),
                   json.loads(res.validation_path.read_text(encoding="utf-8")), cells, baseline, years)


def _f(x: str | None) -> float | None:
    return None if x is None else float(x)


# ----------------------------------------------------------------------------- local sourcing
def test_tier_mass_and_shares_per_buyer_site(out: Outputs) -> None:
    """local-sourcing-tiers rows = metrics.json by_site = the report's tier table (non-empty tiers)."""
    query = {(r["plant"], r["tier"]): (r["mass_kg"], r["mass_share"]) for r in out.query("local-sourcing-tiers")}
    metrics = {(site, t): (v["mass_kg"], v["mass_share"])
               for site, s in out.metrics["local_sourcing"]["by_site"].items()
               for t, v in s["by_tier"].items() if v["mass_kg"] > 0}
    report = {(a["data-site"], a["data-tier"]): (_f(c[-3]), _f(c[-2]))
              for table, a, c in out.report.rows if table == "tiers" and "data-tier" in a and a["data-site"]}
    assert query, "no tier rows"
    assert_same(metrics, query, "tiers per site: metrics.json vs local-sourcing-tiers")
    assert_same({k: v for k, v in report.items() if v[0]}, query, "tiers per site: report vs local-sourcing-tiers")


def test_tier_shares_overall_and_local_share(out: Outputs) -> None:
    """Overall tier shares and the local share (hyperlocal + domestic) in metrics.json, the
    scenario baseline, the report (cards and the 'All sites' rows) and the query rows added up."""
    rows = out.query("local-sourcing-tiers")
    total = sum(r["mass_kg"] for r in rows)
    tier_kg = {t: sum(r["mass_kg"] for r in rows if r["tier"] == t) for t in TIERS}
    query = {t: (tier_kg[t], tier_kg[t] / total) for t in TIERS}
    ls = out.metrics["local_sourcing"]
    assert_same({t: (v["mass_kg"], v["mass_share"]) for t, v in ls["by_tier"].items()}, query, "tiers: metrics.json")
    assert_same({t: (v["mass_kg"], v["mass_share"]) for t, v in out.baseline["tiers"].items()}, query,
                "tiers: scenario baseline")
    report = {a["data-tier"]: (_f(c[-3]), _f(c[-2])) for table, a, c in out.report.rows
              if table == "tiers" and a.get("data-site") == "" and "data-tier" in a}
    assert_same(report, query, "tiers: report, All sites")
    local = sum(tier_kg[t] for t in LOCAL_TIERS) / total
    for where, value in (("metrics.json", ls["local_share"]), ("scenario", out.baseline["local_share"]),
                         ("report card", _f(out.report.cards["local_sourcing.local_share"]))):
        assert same(value, local), (where, value, local)
    per_site = defaultdict(float)
    for r in rows:
        if r["tier"] in LOCAL_TIERS:
            per_site[r["plant"]] += r["mass_kg"]
    site_kg = defaultdict(float)
    for r in rows:
        site_kg[r["plant"]] += r["mass_kg"]
    assert_same({s: v["local_share"] for s, v in ls["by_site"].items()},
                {s: per_site[s] / kg for s, kg in site_kg.items()}, "local share per site")


def test_tier_shares_per_year(out: Outputs) -> None:
    """sourcing-mix-by-year = metrics of each year (``report --year``)."""
    from loopsource.pipeline import metrics_of

    query = {(r["year"], r["tier"]): (r["mass_kg"], r["mass_share"]) for r in out.query("sourcing-mix-by-year")}
    metrics = {}
    for y in out.years:
        for t, v in metrics_of(out.store, year=y)["local_sourcing"]["by_tier"].items():
            if v["mass_kg"] > 0:
                metrics[(y, t)] = (v["mass_kg"], v["mass_share"])
    assert_same(metrics, query, "tiers per year")


def test_weighted_average_source_distance(out: Outputs) -> None:
    """source-distance rows (plant x material), weighted by mass = metrics.json overall and per
    site = scenario baseline = the report's card and tier table."""
    rows = out.query("source-distance")
    num, den = defaultdict(float), defaultdict(float)
    for r in rows:
        num[r["plant"]] += r["mass_kg"] * r["wasd_km"]
        den[r["plant"]] += r["mass_kg"]
    per_site = {s: num[s] / den[s] for s in num}
    overall = sum(num.values()) / sum(den.values())
    ls = out.metrics["local_sourcing"]
    assert_same({s: v["weighted_average_source_distance_km"] for s, v in ls["by_site"].items()}, per_site,
                "WASD per site: metrics.json vs source-distance")
    report = {a["data-site"]: _f(c[-1]) for table, a, c in out.report.rows
              if table == "tiers" and a.get("data-figure") == "weighted_average_source_distance_km"}
    assert_same(report, {"": overall, **per_site}, "WASD: report tier table")
    for where, value in (("metrics.json", ls["weighted_average_source_distance_km"]),
                         ("scenario", out.baseline["weighted_average_source_distance_km"]),
                         ("report card", _f(out.report.cards["local_sourcing.weighted_average_source_distance_km"]))):
        assert same(value, overall), (where, value, overall)


# ----------------------------------------------------------------------------- circularity
@pytest.mark.parametrize("by, key", [("material", "by_material"), ("supplier", "by_supplier"), ("plant", "by_plant")])
def test_circular_inflow_by_group(out: Outputs, by: str, key: str) -> None:
    """circular-inflow by material / supplier / plant = metrics.json circularity.by_*: mass,
    circular, recycled and reused shares (0, not empty, where nothing is secondary), purchases
    and undeclared purchases."""
    fields = ("mass_kg", "circular_inflow_share", "recycled_share", "reused_share", "purchases", "undeclared")
    query = {r["id"]: tuple(r.get(f) for f in fields) for r in out.query("circular-inflow", by=by)}
    assert all(v[1] is not None for v in query.values()), "a share is empty"
    metrics = {k: tuple(v[f] for f in fields) for k, v in out.metrics["circularity"][key].items()}
    assert_same(metrics, query, f"circular inflow by {by}")
    if by == "material":
        report = {a["data-material"]: tuple(_f(c[i]) for i in (1, 4, 2, 3)) for table, a, c in out.report.rows
                  if table == "inflow-by-material" and "data-material" in a}
        assert_same(report, {k: v[:4] for k, v in query.items()}, "circular inflow by material: report")


def test_circular_inflow_overall_and_mci_inputs(out: Outputs) -> None:
    """Overall circular inflow: the query rows added up = metrics.json = scenario = report card;
    MCI inputs F_R, F_U of every bill-of-materials line = the query's recycled and reused share
    of the material (0 for a material never bought)."""
    rows = out.query("circular-inflow", by="material")
    overall = sum(r["circular_kg"] for r in rows) / sum(r["mass_kg"] for r in rows)
    for where, value in (("metrics.json", out.metrics["circularity"]["circular_inflow_share"]),
                         ("scenario", out.baseline["circularity"]["circular_inflow_share"]),
                         ("report card", _f(out.report.cards["circularity.circular_inflow_share"]))):
        assert same(value, overall), (where, value, overall)
    by_id = {r["id"]: r for r in rows}
    mci_inputs = {(pid, line["material"]): (line["F_R"], line["F_U"])
                  for pid, prod in out.metrics["details"]["mci"].items() for line in prod["materials"]}
    assert mci_inputs
    want = {k: ((by_id[k[1]]["recycled_share"], by_id[k[1]]["reused_share"]) if k[1] in by_id else (0.0, 0.0))
            for k in mci_inputs}
    assert_same(mci_inputs, want, "MCI F_R/F_U vs circular-inflow by material")


def test_undeclared_purchases_are_one_data_gap(out: Outputs) -> None:
    """Purchases declaring neither share: data-gaps rows = metrics.json data gap = validation.json
    DQ-PUR-SECONDARY warnings = the undeclared column of circular-inflow."""
    gaps = {r["id"] for r in out.query("data-gaps") if r["gap"].startswith("purchase")}
    dq = {r["focus"] for r in out.validation["results"] if r["code"] == "DQ-PUR-SECONDARY"}
    assert gaps == dq
    metric = {g["code"]: g for g in out.metrics["data_gaps"]}.get("missing_circular_shares")
    assert (metric["count"] if metric else 0) == len(gaps)
    if metric:
        assert metric["examples"] == sorted(gaps)[:10]
    assert sum(r["undeclared"] for r in out.query("circular-inflow")) == len(gaps)


def test_loop_outflow_per_strategy(out: Outputs) -> None:
    """loops-by-strategy = metrics.json outflow_by_strategy and circular_outflow_share = scenario = report."""
    rows = out.query("loops-by-strategy")
    query = {r["strategy"]: r["mass_kg"] for r in rows}
    circ = out.metrics["circularity"]
    assert_same({s: kg for s, kg in circ["outflow_by_strategy"].items() if kg > 0}, query, "outflow per strategy")
    assert_same({s: kg for s, kg in out.baseline["circularity"]["outflow_by_strategy"].items() if kg > 0}, query,
                "outflow per strategy: scenario")
    report = {a["data-strategy"]: _f(c[2]) for table, a, c in out.report.rows
              if table == "outflow-by-strategy" and "data-strategy" in a}
    assert_same({s: kg for s, kg in report.items() if kg}, query, "outflow per strategy: report")
    share = rows[0]["circular_outflow_share"] if rows else None
    assert all(same(r["circular_outflow_share"], share) for r in rows)
    for where, value in (("metrics.json", circ["circular_outflow_share"]),
                         ("scenario", out.baseline["circularity"]["circular_outflow_share"]),
                         ("report card", _f(out.report.cards.get("circularity.loop_recovery_share"))),
                         ("metrics.json, honest name", circ["loop_recovery_share"])):
        assert same(value, share), (where, value, share)


# ----------------------------------------------------------------------------- resilience
def test_single_source_materials(out: Outputs) -> None:
    """single-source-materials = metrics.json = scenario = the report's table and card count
    (one supplier *organisation*, however many of its sites)."""
    query = sorted(r["material"] for r in out.query("single-source-materials"))
    assert out.metrics["resilience"]["single_source_materials"] == query
    assert out.baseline["resilience"]["single_source_materials"] == query
    report = sorted(a["data-material"] for table, a, _c in out.report.rows
                    if table == "single-source" and "data-material" in a)
    assert report == query
    assert int(out.report.cards["resilience.single_source_materials"]) == len(query)


def test_critical_inflow_share(out: Outputs) -> None:
    """Critical raw material share of purchased mass: metrics.json = scenario = report card; per
    year, validation.json's CriticalInflow info (rounded to 6 decimals) = metrics of that year."""
    from loopsource.pipeline import metrics_of

    share = out.metrics["resilience"]["critical_inflow_share"]
    assert same(out.baseline["resilience"]["critical_inflow_share"], share)
    assert same(_f(out.report.cards["resilience.critical_inflow_share"]), share)
    validation = {r["focus"]: float(r["value"]) for r in out.validation["results"] if r["code"] == "CRMA-INFO-CRM"}
    by_year = {y: metrics_of(out.store, year=y)["resilience"]["critical_inflow_share"] for y in out.years}
    # the info is reported for every year whose share is above 0 (shapes: eu-crma.ttl)
    assert validation == {f"inflow/{y}": round(v, 6) for y, v in by_year.items() if v > 0}


# ----------------------------------------------------------------------------- the definitions themselves
def _distance_block() -> str:
    """The haversine in SPARQL arithmetic, as the catalogue queries hold it (identical in each:
    tests/query/test_query.py::test_distance_block_is_the_same_in_every_query)."""
    text = resolve("source-distance").text  # the copy without the latitude-band shortcut
    return text[text.index("# ---- great-circle distance"):text.index("# ---- end of distance")]


def test_sparql_haversine_agrees_with_geo_on_vectors() -> None:
    """The SPARQL block (Taylor sin/cos, Newton sqrt, series + Newton asin) = geo.haversine_km to
    1e-6 km: published pairs, zero, short hops, both poles, across the date line, antipodes and
    near-antipodes, and 400 random pairs (seeded)."""
    rnd = random.Random(12)
    pairs = [((45.7597, 4.8422), (48.8567, 2.3508)), ((52.52, 13.405), (48.1351, 11.582)),
             ((10.0, 20.0), (10.0, 20.0)), ((48.8567, 2.3508), (48.8568, 2.3509)), ((0.0, 0.0), (0.0, 1e-5)),
             ((90.0, 0.0), (-90.0, 0.0)), ((89.9, 10.0), (89.9, -170.0)), ((0.0, 179.9), (0.0, -179.9)),
             ((-33.87, 151.21), (51.51, -0.13)), ((48.8567, 2.3508), (-48.8567, -177.6492)),
             ((0.0, 0.0), (0.0, 180.0)), ((0.0, 0.0), (0.001, 179.999)), ((1.0, 0.0), (-1.0, 179.5))]
    pairs += [((rnd.uniform(-90, 90), rnd.uniform(-180, 180)), (rnd.uniform(-90, 90), rnd.uniform(-180, 180)))
              for _ in range(400)]
    values = " ".join(f"({i} {a[0]!r} {a[1]!r} {b[0]!r} {b[1]!r})" for i, (a, b) in enumerate(pairs))
    query = ("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\nSELECT ?i ?distance_km WHERE {\n"
             f"VALUES (?i ?lat1 ?lon1 ?lat2 ?lon2) {{ {values} }}\n{_distance_block()}}}")
    got = {int(s["i"].value): float(s["distance_km"].value) for s in ox.Store().query(query)}
    assert len(got) == len(pairs)
    worst = max(abs(got[i] - haversine_km(a[0], a[1], b[0], b[1])) for i, (a, b) in enumerate(pairs))
    assert worst <= 1e-6, worst


def test_network_haversine_is_geo_haversine() -> None:
    """The network solver's numpy haversine (whole distance matrices) = geo.haversine_km; the
    model's great_circle_km is geo.haversine_km itself."""
    np = pytest.importorskip("numpy")
    from loopsource.network.model import Point, great_circle_km
    from loopsource.network.solve import _gcd

    rnd = random.Random(3)
    pts = [(rnd.uniform(-90, 90), rnd.uniform(-180, 180), rnd.uniform(-90, 90), rnd.uniform(-180, 180))
           for _ in range(200)]
    arr = np.array(pts)
    vec = _gcd(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
    for (a, b, c, d), v in zip(pts, vec):
        assert v == pytest.approx(haversine_km(a, b, c, d), rel=1e-12, abs=1e-9)
        assert great_circle_km(Point(a, b), Point(c, d)) == haversine_km(a, b, c, d)


def test_radius_parameters_default_to_the_one_constant() -> None:
    """Every catalogue parameter that is the hyperlocal radius defaults to definitions.HYPERLOCAL_KM."""
    radius = {("local-sourcing-tiers", "hyperlocal_km"), ("sourcing-mix-by-year", "hyperlocal_km"),
              ("hyperlocal-candidates", "km")}
    found = set()
    for name, q in catalogue().items():
        for p in q.params:
            if (name, p.name) in radius:
                found.add((name, p.name))
                assert float(to_term(p, p.default).value) == HYPERLOCAL_KM, (name, p.name, p.default)
    assert found == radius


def test_report_and_metrics_name_the_radius(tmp_path: Path) -> None:
    """The methodology text, the report's tier label and metrics.json meta state the same radius."""
    from loopsource.analysis.metrics import METHODOLOGY
    from loopsource.render.report import TIER_LABELS

    assert f"<= {HYPERLOCAL_KM:g} km" in METHODOLOGY["tiers"]
    assert f"≤ {HYPERLOCAL_KM:g} km" in TIER_LABELS["hyperlocal"]


def test_supplier_and_country_hhi(out: Outputs) -> None:
    """concentration rows = metrics.json resilience supplier_hhi / country_hhi (0-10,000) = scenario
    baseline. The CRMA figures (critical-materials-by-country rows, metrics.json ``crma``,
    validation.json CRMA-65, the scenario baseline) are compared by
    tests/test_compliance.py::test_crma_and_hhi_agree_across_outputs, next to their definition."""
    rows = out.query("concentration")
    res = out.metrics["resilience"]
    assert_same(res["supplier_hhi"], {r["material"]: r["supplier_hhi"] for r in rows}, "supplier HHI")
    assert_same(res["country_hhi"], {r["material"]: r["country_hhi"] for r in rows}, "country HHI")
    assert_same(out.baseline["resilience"]["supplier_hhi"], res["supplier_hhi"], "supplier HHI: scenario")
    assert_same(out.baseline["resilience"]["country_hhi"], res["country_hhi"], "country HHI: scenario")


# ----------------------------------------------------------------------------- WBCSD CTI v4.0 and EMF MCI 2019
def test_cti_circular_inflow(out: Outputs) -> None:
    """cti-circular-inflow rows = metrics.json circularity.cti.by_material = the report's CTI inflow
    table; the rows added up = metrics.json circularity.cti.circular_inflow_share = the report's
    cards (headline and CTI section); each material's sustainable share = MCI 2019 input F_S."""
    fields = ("mass_kg", "recycled_kg", "reused_kg", "renewable_kg", "sustainable_renewable_kg", "circular_kg",
              "circular_inflow_share")
    rows = out.query("cti-circular-inflow")
    query = {r["material"]: tuple(r[f] for f in fields) for r in rows}
    cti = out.metrics["circularity"]["cti"]
    assert_same({k: tuple(v[f] for f in fields) for k, v in cti["by_material"].items()}, query, "CTI inflow by material")
    report = {a["data-material"]: tuple(_f(c[i]) for i in (1, 2, 3, 4, 5)) for table, a, c in out.report.rows
              if table == "cti-inflow-by-material" and "data-material" in a}
    assert_same(report, {k: v[:5] for k, v in query.items()}, "CTI inflow by material: report")
    overall = sum(r["circular_kg"] for r in rows) / sum(r["mass_kg"] for r in rows)
    for where, value in (("metrics.json", cti["circular_inflow_share"]),
                         ("report card", _f(out.report.cards["circularity.cti.circular_inflow_share"]))):
        assert same(value, overall), (where, value, overall)
    f_s = {(pid, x["material"]): x["F_S"] for pid, p in out.metrics["details"]["mci_2019"].items()
           for x in p["materials"]}
    by_id = {r["material"]: r for r in rows}
    assert_same(f_s, {k: by_id[k[1]]["sustainable_share"] if k[1] in by_id else 0.0 for k in f_s}, "F_S")


def _outflow_streams(rows: list[dict[str, Any]], year: int | None = None) -> dict[str, tuple[Any, ...]]:
    """(outflow kg, circular kg) per stream from cti-circular-outflow rows (one per stream and year),
    added up over the years (or of one year); circular None when a year's is."""
    acc: dict[str, list[Any]] = {}
    for r in rows:
        if year is None or r["year"] == year:
            a = acc.setdefault(r["stream"], [0.0, 0.0])
            a[0] += r["outflow_kg"]
            a[1] = None if a[1] is None or r.get("circular_kg") is None else a[1] + r["circular_kg"]
    return {k: tuple(v) for k, v in acc.items()}


def test_cti_circular_outflow_per_stream_overall_and_per_year(out: Outputs) -> None:
    """cti-circular-outflow rows (per stream and year) added up = metrics.json circularity.cti.outflow
    = the report's stream table; their sums = circularity.cti.circular_outflow_share = the report
    cards; and each year's rows = metrics of that year (``report --year``). Null (no sales) where
    the data have no sales.csv."""
    rows = out.query("cti-circular-outflow")
    cti = out.metrics["circularity"]["cti"]
    assert_same({k: (v["outflow_kg"], v["circular_kg"]) for k, v in cti["outflow"].items()}, _outflow_streams(rows),
                "CTI outflow streams")
    report = {a["data-stream"]: (_f(c[2]), _f(c[3])) for table, a, c in out.report.rows
              if table == "cti-outflow" and "data-stream" in a}
    assert_same(report, _outflow_streams(rows), "CTI outflow streams: report")
    streams = _outflow_streams(rows)
    want = None
    if any(r["kind"] == "product" for r in rows) and all(c is not None for _o, c in streams.values()):
        want = sum(c for _o, c in streams.values()) / sum(o for o, _c in streams.values())
    assert same(cti["circular_outflow_share"], want)
    assert same(_f(out.report.cards.get("circularity.cti.circular_outflow_share")), want)
    from loopsource.pipeline import metrics_of

    for y in out.years:
        ym = metrics_of(out.store, year=y)["circularity"]["cti"]
        assert_same({k: (v["outflow_kg"], v["circular_kg"]) for k, v in ym["outflow"].items()},
                    _outflow_streams(rows, y), f"CTI outflow streams {y}")


def test_headline_names_the_figure_it_shows(out: Outputs) -> None:
    """The headline's outflow card is the CTI circular outflow when it is computable, else the loop
    recovery share, labelled so (render/circularity.py)."""
    from loopsource.render.circularity import headline_cards

    cards = headline_cards(out.metrics)
    cti = out.metrics["circularity"]["cti"]
    if cti["circular_outflow_share"] is None:
        assert cards[1]["figure"] == "circularity.loop_recovery_share" and "not the CTI" in cards[1]["note"]
    else:
        assert cards[1]["figure"] == "circularity.cti.circular_outflow_share"
    assert cards[0]["figure"] == "circularity.cti.circular_inflow_share"


def test_mci_2019_per_product_and_company(out: Outputs) -> None:
    """mci rows = metrics.json circularity.mci_2019 and details.mci_2019 terms = the report's MCI
    2019 table; the company-level MCI = the mass-weighted mean of the query's MCI over the products
    sold (units from sales, kg per unit = the query's M) = metrics.json = the report card."""
    rows = {r["product"]: r for r in out.query("mci")}
    circ = out.metrics["circularity"]
    assert_same(circ["mci_2019"], {p: r.get("MCI") for p, r in rows.items()}, "MCI 2019")
    terms = ("M_kg", "V_kg", "W0_kg", "W_C_kg", "W_F_kg", "LFI")
    assert_same({p: tuple(d[t] for t in terms) for p, d in out.metrics["details"]["mci_2019"].items()},
                {p: tuple(r.get(t) for t in terms) for p, r in rows.items()}, "MCI 2019 terms")
    report = {a["data-product"]: (_f(c[1]), _f(c[8])) for table, a, c in out.report.rows
              if table == "mci-2019" and "data-product" in a}
    assert_same(report, {p: (r["M_kg"], r.get("MCI")) for p, r in rows.items()}, "MCI 2019: report")
    units: dict[str, float] = defaultdict(float)
    for sale in out.store.select("PREFIX ls: <https://w3id.org/loopsource/ontology#> SELECT ?id ?u WHERE { "
                                 "?s a ls:Sale ; ls:product/ls:id ?id ; ls:unitsSold ?u }").values():
        units[sale["id"]] += float(sale["u"])
    pairs = [(units[p] * rows[p]["M_kg"], rows[p]["MCI"]) for p in units if rows[p].get("MCI") is not None]
    want = sum(w * v for w, v in pairs) / sum(w for w, _ in pairs) if pairs else None
    assert same(circ["mci_company"]["mass_weighted"], want) and same(circ["mci_company"]["value"], want)
    assert same(_f(out.report.cards.get("circularity.mci_company.value")), want)


# ----------------------------------------------------------------------------- over time
TREND_FIGURES = {  # trends key -> where metrics.json of one year holds the same figure
    "circular_inflow_share": ("circularity", "circular_inflow_share"),
    "circular_outflow_share": ("circularity", "circular_outflow_share"),
    "local_share": ("local_sourcing", "local_share"),
    "weighted_average_source_distance_km": ("local_sourcing", "weighted_average_source_distance_km"),
    "critical_inflow_share": ("resilience", "critical_inflow_share"),
}


def test_trends_per_year(out: Outputs) -> None:
    """metrics.json trends of year Y = metrics.json of `report --year Y` (metrics_of) = the
    sourcing-mix-by-year query's local share of Y = the report's trends table."""
    from loopsource.pipeline import metrics_of

    trends = out.metrics["trends"]
    assert trends["years"] == list(out.years)
    mix: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in out.query("sourcing-mix-by-year"):
        mix[int(r["year"])][str(r["tier"])] += float(r["mass_kg"])
    for y in out.years:
        one = metrics_of(out.store, year=y)
        got = trends["by_year"][str(y)]
        for key, (section, name) in TREND_FIGURES.items():
            assert same(got[key], one[section][name]), (y, key)
        assert got["single_source_materials"] == len(one["resilience"]["single_source_materials"])
        assert same(got["purchased_mass_kg"], one["meta"]["purchased_mass_kg"])
        assert same(got["local_share"], sum(mix[y][t] for t in LOCAL_TIERS) / sum(mix[y].values()))
    report = {(a["data-figure"], i): _f(v) for table, a, cells in out.report.rows
              if table == "trends" and "data-figure" in a for i, v in enumerate(cells[2:2 + len(out.years)])}
    want = {(f["key"], i): trends["by_year"][str(y)][f["key"]] for f in trends["figures"]
            for i, y in enumerate(out.years)}
    assert_same(report, want, "trends: report table vs metrics.json")


def test_crma_per_year(out: Outputs) -> None:
    """The report's CRMA-per-year table = metrics.json details.crma_by_year = the
    critical-materials-by-country query (contained element mass and share per entry, year and
    country); its largest third-country share per entry and year = metrics.json resilience.crma."""
    def key(entry: object, year: object, country: object) -> tuple[str, int, str]:
        return str(entry).rsplit("#", 1)[-1], int(str(year)), str(country)

    query = {key(r["entry"], r["year"], r["country"]): (float(r["element_kg"]), float(r["share"]))
             for r in out.query("critical-materials-by-country")}
    metrics = {key(r["entry"], r["year"], r["country"]): (r["element_kg"], r["share"])
               for r in out.metrics["details"]["crma_by_year"]}
    assert_same(metrics, query, "CRMA per year: metrics.json vs critical-materials-by-country")
    report = {key(a["data-entry"], a["data-year"], a["data-country"]): (_f(c[4]), _f(c[5]))
              for table, a, c in out.report.rows if table == "crma-by-year" and "data-entry" in a}
    assert_same(report, metrics, "CRMA per year: report table vs metrics.json")
    top: dict[str, float] = {}
    for r in out.metrics["details"]["crma_by_year"]:
        if r["third_country"]:
            focus = f"{r['entry']}/{r['year']}"
            top[focus] = max(top.get(focus, 0.0), r["share"])
    crma = out.metrics["resilience"]["crma"]
    assert_same({k: v["share"] for k, v in crma.items() if k in top}, top, "CRMA top third-country share")
