"""Tests for the synthetic data generator and the shipped demo data set.

Both must satisfy the CSV input contract exactly: the loader, the ontology and the reports
all assume it, so a broken reference or an out-of-domain value here would surface as a
confusing failure far downstream. The same contract checker runs over generated data and
over data/demo.
"""
from __future__ import annotations

import csv
import math
import re
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.load.contract import columns as contract_columns
from loopsource.devdata.cities import CITIES, COUNTRY_REGION, EU_COUNTRIES
from loopsource.devdata.generate import CONTRACT_COLUMNS, GenerateSummary, generate

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"

# The contract, written out independently of the generator so that a wrong constant there fails here.
EXPECTED_COLUMNS: dict[str, list[str]] = {
    "organisations.csv": ["id", "name", "role", "country"],
    "sites.csv": ["id", "organisation", "name", "country", "lat", "lon", "kind"],
    "materials.csv": ["id", "name", "class"],
    "products.csv": ["id", "name", "lifetime_years", "industry_lifetime_years", "use_intensity",
                     "industry_use_intensity", "collection_recycling_share", "collection_reuse_share",
                     "recycling_efficiency_eol", "recycling_efficiency_feedstock", "category"],
    "bom.csv": ["product", "material", "mass_kg"],
    "purchases.csv": ["id", "date", "buyer_site", "supplier_site", "material", "quantity", "unit", "spend",
                      "currency", "recycled_share", "reused_share", "transport_mode", "lead_time_days"],
    "loops.csv": ["id", "date", "from_site", "to_site", "material", "strategy", "quantity", "unit"],
    "upstream.csv": ["site", "upstream_site", "material"],
    "candidates.csv": ["site", "material", "capacity_kg", "unit_price", "currency", "lead_time_days"],
    "fx.csv": ["currency", "rate"],
}
MATERIAL_CLASSES = set(
    "Aluminium Steel StainlessSteel Iron Copper Zinc Tin Lead Chromium Molybdenum Silver Gold Lithium Cobalt "
    "Nickel Manganese Graphite NaturalGraphite Magnesium SiliconMetal TitaniumMetal Tungsten Gallium Germanium "
    "Bismuth Boron PlatinumGroupMetals RareEarthMagnetElements HeavyRareEarthElements LightRareEarthElements "
    "Antimony Arsenic Baryte Beryllium CokingCoal Feldspar Fluorspar Hafnium Helium Niobium PhosphateRock "
    "Phosphorus Scandium Strontium Tantalum Vanadium Plastic PET HDPE LDPE PP PS PVC ABS Polyamide Polycarbonate "
    "Paper Cardboard Glass Wood Textile Cotton Rubber Electronics Chemical Ceramic "
    # battery compounds and grade-specific CRMA entries (materials.ttl), used by data/demo
    "LithiumHydroxideMonohydrate LithiumCarbonate CobaltSulphateHeptahydrate NickelSulphateHexahydrate "
    "ManganeseSulphateMonohydrate BatteryGradeLithium BatteryGradeNickel BatteryGradeManganese BatteryGradeGraphite "
    "MetallurgyGradeBoron MagnesiumMetal".split()
)
STRATEGIC = set(
    "Aluminium Bismuth Boron Cobalt Copper Gallium Germanium Lithium Magnesium Manganese Graphite Nickel "
    "PlatinumGroupMetals RareEarthMagnetElements SiliconMetal TitaniumMetal Tungsten".split()
)
ROLES = {"buyer", "supplier", "recycler"}
KINDS = {"plant", "warehouse", "supplier_site", "recycling_facility"}
KIND_ROLE = {"plant": "buyer", "warehouse": "buyer", "supplier_site": "supplier", "recycling_facility": "recycler"}
UNITS = {"kg": 1.0, "t": 1000.0, "g": 0.001, "lb": 0.45359237}
# the generator draws these; the contract also accepts the disposal treatments (ESRS E5-5 §37(c))
GENERATED_STRATEGIES = {"reuse", "repair", "refurbish", "remanufacture", "repurpose", "recycle", "recover", "dispose"}
STRATEGIES = GENERATED_STRATEGIES | {"incinerate", "landfill", "other_disposal"}
MODES = {"road", "rail", "sea", "air", "inland_waterway", "pipeline"}


# ---------------------------------------------------------------------------------------
# Contract checker shared by generated and demo data
# ---------------------------------------------------------------------------------------


def read(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Read every contract file, asserting the exact header and UTF-8 / LF encoding."""
    tables = {}
    for name, columns in EXPECTED_COLUMNS.items():
        raw = (folder / name).read_bytes()
        assert b"\r" not in raw, f"{name}: CR line endings"
        text = raw.decode("utf-8")
        reader = csv.reader(text.splitlines())
        header = next(reader)
        # the demo may add the contract's optional compliance columns after the generator's
        optional = set(contract_columns(name)) - set(columns)
        assert header[:len(columns)] == columns and set(header[len(columns):]) <= optional, \
            f"{name}: header {header} != {columns}"
        rows = [dict(zip(header, r, strict=True)) for r in reader]
        tables[name] = rows
    return tables


def is_float(v: str) -> bool:
    try:
        return math.isfinite(float(v))
    except ValueError:
        return False


def share(v: str) -> float:
    assert is_float(v), v
    x = float(v)
    assert 0.0 <= x <= 1.0, v
    return x


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def unique(rows: list[dict[str, str]], *keys: str) -> None:
    seen = Counter(tuple(r[k] for k in keys) for r in rows)
    dupes = [k for k, n in seen.items() if n > 1]
    assert not dupes, f"duplicate {keys}: {dupes[:5]}"


def check_contract(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Assert referential integrity and value domains of a whole data set; return its tables."""
    t = read(folder)
    for name in ("organisations.csv", "sites.csv", "materials.csv", "products.csv", "purchases.csv", "loops.csv"):
        unique(t[name], "id")
    unique(t["bom.csv"], "product", "material")
    unique(t["upstream.csv"], "site", "upstream_site", "material")
    unique(t["candidates.csv"], "site", "material")
    unique(t["fx.csv"], "currency")

    orgs = {r["id"]: r for r in t["organisations.csv"]}
    for o in orgs.values():
        assert o["role"] in ROLES, o
        assert re.fullmatch(r"[A-Z]{2}", o["country"]), o
        assert o["name"].strip(), o

    sites = {r["id"]: r for r in t["sites.csv"]}
    for s in sites.values():
        assert s["organisation"] in orgs, s
        assert s["kind"] in KINDS, s
        assert orgs[s["organisation"]]["role"] == KIND_ROLE[s["kind"]], s
        assert re.fullmatch(r"[A-Z]{2}", s["country"]), s
        assert (s["lat"] == "") == (s["lon"] == ""), s
        if s["lat"]:
            assert -90.0 <= float(s["lat"]) <= 90.0, s
            assert -180.0 <= float(s["lon"]) <= 180.0, s
    for kind in ("plant", "recycling_facility", "supplier_site"):
        assert any(s["kind"] == kind for s in sites.values()), kind

    materials = {r["id"]: r for r in t["materials.csv"]}
    for m in materials.values():
        assert m["class"] in MATERIAL_CLASSES, m

    products = {r["id"]: r for r in t["products.csv"]}
    for p in products.values():
        assert float(p["lifetime_years"]) > 0 and float(p["industry_lifetime_years"]) > 0, p
        for col in ("use_intensity", "industry_use_intensity"):
            assert p[col] == "" or float(p[col]) > 0, p
        for col in ("collection_recycling_share", "collection_reuse_share", "recycling_efficiency_eol",
                    "recycling_efficiency_feedstock"):
            share(p[col])
        assert share(p["collection_recycling_share"]) + share(p["collection_reuse_share"]) <= 1.0 + 1e-9
        assert p["category"], p
    for b in t["bom.csv"]:
        assert b["product"] in products and b["material"] in materials, b
        assert float(b["mass_kg"]) > 0, b
    assert {b["product"] for b in t["bom.csv"]} == set(products), "every product needs a BOM"

    fx = {r["currency"]: float(r["rate"]) for r in t["fx.csv"]}
    assert fx.get("EUR") == 1.0
    assert all(re.fullmatch(r"[A-Z]{3}", c) and r > 0 for c, r in fx.items())

    for p in t["purchases.csv"]:
        assert re.fullmatch(r"PO-\d{5,}", p["id"]), p
        d = date.fromisoformat(p["date"])
        assert date(2024, 1, 1) <= d <= date(2025, 12, 31), p
        assert sites[p["buyer_site"]]["kind"] in ("plant", "warehouse"), p
        assert sites[p["supplier_site"]]["kind"] in ("supplier_site", "recycling_facility"), p
        assert p["material"] in materials, p
        assert float(p["quantity"]) > 0 and p["unit"] in UNITS, p
        if p["spend"]:
            assert float(p["spend"]) >= 0 and p["currency"] in fx, p
        else:
            assert p["currency"] == "" or p["currency"] in fx, p
        assert share(p["recycled_share"]) + share(p["reused_share"]) <= 1.0 + 1e-9, p
        assert p["transport_mode"] == "" or p["transport_mode"] in MODES, p
        assert p["lead_time_days"] == "" or int(p["lead_time_days"]) >= 0, p

    for lp in t["loops.csv"]:
        assert re.fullmatch(r"L-\d+", lp["id"]), lp
        d = date.fromisoformat(lp["date"])
        assert date(2024, 1, 1) <= d <= date(2025, 12, 31), lp
        assert lp["from_site"] in sites and lp["to_site"] in sites and lp["from_site"] != lp["to_site"], lp
        assert lp["material"] in materials and lp["strategy"] in STRATEGIES, lp
        assert float(lp["quantity"]) > 0 and lp["unit"] in UNITS, lp

    graph: dict[str, list[str]] = defaultdict(list)
    for u in t["upstream.csv"]:
        assert u["site"] != u["upstream_site"], u
        for col in ("site", "upstream_site"):
            assert sites[u[col]]["kind"] in ("supplier_site", "recycling_facility"), u
        assert u["material"] in materials, u
        graph[u["site"]].append(u["upstream_site"])
    assert_acyclic(graph)

    for c in t["candidates.csv"]:
        assert sites[c["site"]]["kind"] == "supplier_site", c
        assert c["material"] in materials, c
        assert float(c["capacity_kg"]) > 0 and float(c["unit_price"]) > 0, c
        assert c["currency"] in fx, c
        assert c["lead_time_days"] == "" or int(c["lead_time_days"]) >= 0, c
    return t


def assert_acyclic(graph: dict[str, list[str]]) -> None:
    state: dict[str, int] = {}  # 1 = on stack, 2 = done

    def visit(node: str) -> None:
        stack = [(node, iter(graph.get(node, ())))]
        state[node] = 1
        while stack:
            n, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[n] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise AssertionError(f"upstream cycle through {nxt}")
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(graph.get(nxt, ()))))

    for node in list(graph):
        if node not in state:
            visit(node)


def chain_depth(graph: dict[str, list[str]]) -> int:
    memo: dict[str, int] = {}

    def depth(n: str) -> int:
        if n not in memo:
            memo[n] = 1 + max((depth(m) for m in graph.get(n, ())), default=-1) if graph.get(n) else 0
        return memo[n]

    return max((depth(n) for n in graph), default=0)


def kg(row: dict[str, str]) -> float:
    return float(row["quantity"]) * UNITS[row["unit"]]


# ---------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------


def test_contract_columns_constant_matches_contract() -> None:
    assert {k: list(v) for k, v in CONTRACT_COLUMNS.items()} == EXPECTED_COLUMNS


def test_cities_table_is_real_and_global() -> None:
    assert len(CITIES) >= 150
    assert len({(c.name, c.country) for c in CITIES}) == len(CITIES)
    regions = Counter(COUNTRY_REGION[c.country] for c in CITIES)
    assert set(regions) == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    assert all(-90 <= c.lat <= 90 and -180 <= c.lon <= 180 for c in CITIES)
    lyon = next(c for c in CITIES if c.name == "Lyon")
    assert abs(lyon.lat - 45.75) < 0.1 and abs(lyon.lon - 4.85) < 0.1


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    out = tmp_path_factory.mktemp("gen2000")
    return out, generate(out, 2000, seed=3)


def test_generated_data_satisfies_contract(generated: tuple[Path, GenerateSummary]) -> None:
    out, summary = generated
    t = check_contract(out)
    assert summary.organisations == len(t["organisations.csv"])
    assert summary.sites == len(t["sites.csv"])
    assert summary.materials == len(t["materials.csv"])
    assert summary.products == len(t["products.csv"])
    assert summary.bom == len(t["bom.csv"])
    assert summary.purchases == len(t["purchases.csv"])
    assert summary.loops == len(t["loops.csv"])
    assert summary.upstream == len(t["upstream.csv"])
    assert summary.candidates == len(t["candidates.csv"])
    assert summary.fx == len(t["fx.csv"])
    assert summary.total_rows == sum(len(v) for v in t.values())
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")], "temporary files left behind"


def test_generated_scaling(generated: tuple[Path, GenerateSummary]) -> None:
    out, summary = generated
    t = read(out)
    n = 2000
    assert abs(summary.purchases - n * 2.5) <= 0.2 * n * 2.5
    suppliers = [o for o in t["organisations.csv"] if o["role"] == "supplier"]
    assert len(suppliers) == n
    per_org = Counter(s["organisation"] for s in t["sites.csv"] if s["kind"] == "supplier_site")
    assert set(per_org.values()) <= {1, 2} and len(per_org) == n
    assert 0.1 < sum(1 for v in per_org.values() if v == 2) / n < 0.5
    plants = [s for s in t["sites.csv"] if s["kind"] == "plant"]
    assert len(plants) == 3
    assert 35 <= summary.materials <= 45
    assert 2 <= summary.products <= 5
    assert abs(summary.loops - summary.purchases / 10) <= 1
    assert summary.upstream > 0 and summary.candidates > 0
    missing = sum(1 for s in t["sites.csv"] if not s["lat"]) / len(t["sites.csv"])
    assert 0.005 < missing < 0.05
    strategic = {m["class"] for m in t["materials.csv"]} & STRATEGIC
    assert len(strategic) >= 10


def test_generated_data_looks_real(generated: tuple[Path, GenerateSummary]) -> None:
    """Distance classes, units, currencies and strategies must all occur, or analyses have nothing to find."""
    out, _ = generated
    t = read(out)
    sites = {s["id"]: s for s in t["sites.csv"]}
    classes = Counter()
    for p in t["purchases.csv"]:
        b, s = sites[p["buyer_site"]], sites[p["supplier_site"]]
        if s["lat"] and haversine_km((float(b["lat"]), float(b["lon"])), (float(s["lat"]), float(s["lon"]))) <= 100:
            classes["hyperlocal"] += 1
        elif b["country"] == s["country"]:
            classes["domestic"] += 1
        elif COUNTRY_REGION[b["country"]] == COUNTRY_REGION[s["country"]]:
            classes["regional"] += 1
        else:
            classes["global"] += 1
    assert all(classes[k] > 0.02 * len(t["purchases.csv"]) for k in ("hyperlocal", "domestic", "regional", "global"))
    assert {p["unit"] for p in t["purchases.csv"]} == set(UNITS)
    assert {"EUR", "USD", "PLN", "MXN"} <= {p["currency"] for p in t["purchases.csv"]}
    assert {lp["strategy"] for lp in t["loops.csv"]} == GENERATED_STRATEGIES
    assert {s["country"] for s in t["sites.csv"]} <= set(COUNTRY_REGION)
    ids = [p["id"] for p in t["purchases.csv"]]
    dates = [p["date"] for p in t["purchases.csv"]]
    assert dates == sorted(dates) and ids == sorted(ids)
    graph: dict[str, list[str]] = defaultdict(list)
    for u in t["upstream.csv"]:
        graph[u["site"]].append(u["upstream_site"])
    assert chain_depth(graph) >= 2
    plants = [s for s in t["sites.csv"] if s["kind"] == "plant"]
    cand_sites = [sites[c["site"]] for c in t["candidates.csv"]]
    for plant in plants:
        assert any(c["country"] == plant["country"] for c in cand_sites), plant
        assert any(c["country"] != plant["country"]
                   and COUNTRY_REGION[c["country"]] == COUNTRY_REGION[plant["country"]] for c in cand_sites), plant


def test_generate_is_deterministic(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 300, seed=7)
    generate(b, 300, seed=7)
    generate(c, 300, seed=8)
    for name in EXPECTED_COLUMNS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "purchases.csv").read_bytes() != (c / "purchases.csv").read_bytes()
    assert (a / "sites.csv").read_bytes() != (c / "sites.csv").read_bytes()


def test_generate_replaces_existing_files_atomically(tmp_path: Path) -> None:
    (tmp_path / "purchases.csv").write_text("stale\n", encoding="utf-8")
    generate(tmp_path, 50, seed=1)
    assert (tmp_path / "purchases.csv").read_text(encoding="utf-8").startswith("id,date,")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(EXPECTED_COLUMNS)
    check_contract(tmp_path)


def test_generate_tiny_and_invalid(tmp_path: Path) -> None:
    summary = generate(tmp_path / "one", 1)
    assert summary.purchases >= 1
    check_contract(tmp_path / "one")
    with pytest.raises(ValueError):
        generate(tmp_path / "zero", 0)


def test_generate_20000_is_fast_and_sized(tmp_path: Path) -> None:
    start = time.perf_counter()
    summary = generate(tmp_path, 20_000, seed=0)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, f"generate(20000) took {elapsed:.1f}s (target < 5 s)"
    assert summary.purchases == 50_000
    assert 5 <= summary.products and max(3, 20_000 // 2000) == sum(
        1 for line in (tmp_path / "sites.csv").read_text(encoding="utf-8").splitlines() if line.endswith(",plant"))
    assert 800_000 <= summary.estimated_triples <= 1_600_000


def test_generate_command_as_in_the_readme(tmp_path: Path) -> None:
    """`loopsource generate DIR --suppliers N` through the command line, as the README shows it:
    exit 0, the ten contract files (the same bytes as the library call), one summary line per
    file with its row count, and a total."""
    out = tmp_path / "big"
    res = CliRunner().invoke(main, ["generate", str(out), "--suppliers", "40"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED_COLUMNS)
    tables = check_contract(out)
    generate(tmp_path / "lib", 40)  # --seed defaults to 0
    for name in EXPECTED_COLUMNS:
        assert (out / name).read_bytes() == (tmp_path / "lib" / name).read_bytes(), name
    lines = res.stdout.splitlines()
    assert len(lines) == len(EXPECTED_COLUMNS) + 1, res.stdout
    for line, name in zip(lines, EXPECTED_COLUMNS):
        assert line.split() == [name, str(len(tables[name])), "rows"], line
    total = sum(len(rows) for rows in tables.values())
    assert re.fullmatch(rf"\s*total\s+{total} rows, about [\d,]+ triples", lines[-1]), lines[-1]
    assert f"generated {out} with seed 0" in res.stderr
    assert "internal error" not in res.output


# ---------------------------------------------------------------------------------------
# Demo data set
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> dict[str, list[dict[str, str]]]:
    return check_contract(DEMO)


def test_demo_shape(demo: dict[str, list[dict[str, str]]]) -> None:
    sites = {s["id"]: s for s in demo["sites.csv"]}
    assert len(demo["purchases.csv"]) == 500
    assert [p["id"] for p in demo["purchases.csv"]] == [f"PO-{i:05d}" for i in range(1, 501)]
    years = Counter(p["date"][:4] for p in demo["purchases.csv"])
    assert set(years) == {"2024", "2025"} and min(years.values()) >= 200
    supplier_sites = [s for s in sites.values() if s["kind"] == "supplier_site"]
    assert len(supplier_sites) >= 40
    assert len({s["country"] for s in supplier_sites}) >= 15
    plants = [s for s in sites.values() if s["kind"] == "plant"]
    assert len(plants) >= 3 and len({COUNTRY_REGION[p["country"]] for p in plants}) >= 2
    assert any(s["kind"] == "warehouse" for s in sites.values())
    assert 3 <= sum(1 for s in supplier_sites if not s["lat"]) <= 4
    assert len(demo["materials.csv"]) >= 25
    assert 2 <= sum(1 for s in sites.values() if s["kind"] == "recycling_facility") <= 4
    per_org = Counter(s["organisation"] for s in supplier_sites)
    assert sum(1 for v in per_org.values() if v >= 2) >= 3
    assert 40 <= len(demo["loops.csv"]) <= 60
    demo_strategies = {lp["strategy"] for lp in demo["loops.csv"]}
    assert {"reuse", "remanufacture", "recycle", "recover", "repair"} <= demo_strategies
    # disposal by treatment (ESRS E5-5 §37(c)): the demo splits what 'dispose' would lump together
    assert {"incinerate", "landfill"} <= demo_strategies
    assert 15 <= len(demo["candidates.csv"]) <= 25
    assert {p["unit"] for p in demo["purchases.csv"]} == set(UNITS)
    assert {"EUR", "USD", "PLN", "MXN"} <= {p["currency"] for p in demo["purchases.csv"]}
    assert all(r["id"].startswith("ORG-") for r in demo["organisations.csv"])
    assert all(r["id"].startswith("S-") for r in demo["sites.csv"])
    assert all(r["id"].startswith("M-") for r in demo["materials.csv"])
    assert all(r["id"].startswith("L-") for r in demo["loops.csv"])


def test_demo_products(demo: dict[str, list[dict[str, str]]]) -> None:
    """The EV pack and the PET container, plus the compliance scope cases (docs/compliance.md):
    an LMT e-bike battery, a 2 kWh industrial battery (out of Art. 8) and a PET tray with a 4 % lid."""
    element = {"LithiumHydroxideMonohydrate": "Lithium", "CobaltSulphateHeptahydrate": "Cobalt",
               "NickelSulphateHexahydrate": "Nickel", "ManganeseSulphateMonohydrate": "Manganese"}
    materials = {m["id"]: element.get(m["class"], m["class"]) for m in demo["materials.csv"]}
    products = {p["id"]: p for p in demo["products.csv"]}
    assert len(products) == 5
    by_cat = {p["category"]: p["id"] for p in products.values() if p["id"] in ("P-ORV-EVB75", "P-ORV-PET500")}
    assert set(by_cat) == {"ev_battery", "packaging_pet_contact_sensitive"}
    assert {p["category"] for p in products.values()} == {"ev_battery", "lmt_battery", "industrial_battery",
                                                         "packaging_pet_contact_sensitive"}
    bom: dict[str, set[str]] = defaultdict(set)
    for b in demo["bom.csv"]:
        bom[b["product"]].add(materials[b["material"]])
    assert {"Lithium", "Cobalt", "Nickel", "Manganese", "Graphite", "Aluminium", "Copper", "Steel",
            "Electronics"} <= bom[by_cat["ev_battery"]]
    assert bom[by_cat["ev_battery"]] & {"PP", "Polyamide", "Polycarbonate", "ABS", "PET", "HDPE", "LDPE"}
    assert {"PET", "Paper"} <= bom[by_cat["packaging_pet_contact_sensitive"]]


def test_demo_sourcing_patterns(demo: dict[str, list[dict[str, str]]]) -> None:
    """The analyses need something to find: CRMA concentration, single sourcing, hyperlocal suppliers."""
    sites = {s["id"]: s for s in demo["sites.csv"]}
    classes = {m["id"]: m["class"] for m in demo["materials.csv"]}
    lithium: dict[str, Counter[str]] = defaultdict(Counter)
    for p in demo["purchases.csv"]:
        if classes[p["material"]] in ("Lithium", "LithiumHydroxideMonohydrate"):
            lithium[p["date"][:4]][sites[p["supplier_site"]]["country"]] += kg(p)

    def top_third_country_share(year: str) -> float:
        total = sum(lithium[year].values())
        return max(v for c, v in lithium[year].items() if c not in EU_COUNTRIES) / total

    assert top_third_country_share("2024") > 0.65
    assert top_third_country_share("2025") < 0.65

    sources: dict[str, set[str]] = defaultdict(set)
    for p in demo["purchases.csv"]:
        sources[p["material"]].add(p["supplier_site"])
    assert sum(1 for s in sources.values() if len(s) == 1) >= 2

    plants = [s for s in sites.values() if s["kind"] in ("plant", "warehouse")]
    hyperlocal = {p["supplier_site"] for p in demo["purchases.csv"]
                  if sites[p["supplier_site"]]["lat"] and haversine_km(
                      (float(sites[p["buyer_site"]]["lat"]), float(sites[p["buyer_site"]]["lon"])),
                      (float(sites[p["supplier_site"]]["lat"]), float(sites[p["supplier_site"]]["lon"]))) <= 100}
    assert len(hyperlocal) >= 3
    assert plants

    recycled: dict[str, list[float]] = defaultdict(list)
    for p in demo["purchases.csv"]:
        recycled[classes[p["material"]]].append(float(p["recycled_share"]))
    mean = {k: sum(v) / len(v) for k, v in recycled.items()}
    assert 0.2 <= mean["Aluminium"] <= 0.6
    assert 0.1 <= mean["PET"] <= 0.35
    assert mean["LithiumHydroxideMonohydrate"] <= 0.08
    assert 0.1 <= mean["CobaltSulphateHeptahydrate"] <= 0.3


def test_demo_upstream_and_candidates(demo: dict[str, list[dict[str, str]]]) -> None:
    sites = {s["id"]: s for s in demo["sites.csv"]}
    graph: dict[str, list[str]] = defaultdict(list)
    for u in demo["upstream.csv"]:
        graph[u["site"]].append(u["upstream_site"])
    assert 2 <= chain_depth(graph) <= 3
    cand = [sites[c["site"]] for c in demo["candidates.csv"]]
    for plant in (s for s in sites.values() if s["kind"] == "plant"):
        assert any(c["country"] == plant["country"] for c in cand), plant["id"]
        assert any(c["country"] != plant["country"]
                   and COUNTRY_REGION[c["country"]] == COUNTRY_REGION[plant["country"]] for c in cand), plant["id"]
