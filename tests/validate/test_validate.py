"""Validation profiles: a valid and an invalid fixture for every rule; results are compared
as sets of (code, focus) pairs, never by message text."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ..builders import material_row, org_row, purchase_row, site_row, write_csvs
from loopsource.errors import UsageError
from loopsource.render.validation import render_html
from loopsource.validate import PROFILES, ValidationReport, load_policy, policy_turtle, render, validate

ID = "https://w3id.org/loopsource/id/"

ORGS = [
    org_row("ORG-BUY", name="Buyer", role="buyer", country="FR"),
    *(org_row(f"ORG-{c}", name=f"Supplier {c}", role="supplier", country=c)
      for c in ("CN", "AU", "CL", "US", "DE", "FR", "PL")),
]
COORDS = {"FR": (48.85, 2.35), "CN": (31.2, 121.5), "AU": (-33.9, 151.2), "CL": (-33.4, -70.6),
          "US": (40.7, -74.0), "DE": (52.5, 13.4), "PL": (52.2, 21.0)}
SITES = [
    site_row("S-PLANT", organisation="ORG-BUY", name="Plant", country="FR", lat=48.8, lon=2.3, kind="plant"),
    *(site_row(f"S-{c}", organisation=f"ORG-{c}", name=f"Site {c}", country=c, lat=COORDS[c][0], lon=COORDS[c][1],
               kind="supplier_site") for c in COORDS),
]
# Element classes with element_share 1 (shares of contained element = shares of mass), battery
# grade where Annex I names one (docs/compliance.md).
MATERIALS = [
    material_row("M-LI", name="Lithium metal", cls="Lithium", grade="battery", element_share=""),
    material_row("M-CO", name="Cobalt metal", cls="Cobalt", grade="", element_share=""),
    material_row("M-NI", name="Nickel metal", cls="Nickel", grade="battery", element_share=""),
    material_row("M-PB", name="Lead", cls="Lead", grade="", element_share=""),
    material_row("M-PET", name="PET", cls="PET", grade="", element_share=""),
    material_row("M-STEEL", name="Steel", cls="Steel", grade="", element_share=""),
]


def purchase(pid: str, country: str, material: str, tonnes: float, recycled: float = 0.1,
             day: str = "2024-03-01") -> dict[str, object]:
    """``tonnes`` t bought by S-PLANT from S-<country> by sea."""
    return purchase_row(pid, date=day, buyer_site="S-PLANT", supplier_site=f"S-{country}", material=material,
                        quantity=tonnes, unit="t", recycled_share=recycled, reused_share=0, transport_mode="sea",
                        # evidenced post-consumer recyclate: counts for both legal profiles (evidence.yaml)
                        recycled_pre_consumer_share=0, recycled_post_consumer_share=recycled,
                        chain_of_custody="mass_balance", certificate="ISCC-PLUS:T-1")


def product(pid: str, category: str) -> dict[str, object]:
    return {"id": pid, "name": pid, "lifetime_years": 10, "industry_lifetime_years": 10, "use_intensity": "",
            "industry_use_intensity": "", "collection_recycling_share": 0.5, "collection_reuse_share": 0,
            "recycling_efficiency_eol": 0.9, "recycling_efficiency_feedstock": 0.8, "category": category,
            "plant": "S-PLANT", "capacity_kwh": "", "external_storage_only": ""}


def dataset(tmp: Path, purchases: list[dict[str, object]], products: list[dict[str, object]] = (),
            bom: list[dict[str, object]] = (), extra_ttl: str | None = None, name: str = "data") -> Path:
    files: dict[str, object] = {"organisations.csv": ORGS, "sites.csv": SITES, "materials.csv": MATERIALS,
                                "purchases.csv": purchases}
    if products:
        files["products.csv"] = list(products)
    if bom:
        files["bom.csv"] = list(bom)
    d = write_csvs(tmp / name, files)  # type: ignore[arg-type]
    if extra_ttl:
        (d / "extra.ttl").write_text(PREFIXES + extra_ttl, encoding="utf-8")
    return d


def pairs(report: ValidationReport, profile: str, severity: str | None = None) -> set[tuple[str, str]]:
    return {(r.code, r.focus) for r in report.results
            if r.profile == profile and (severity is None or r.severity == severity)}


BASE = [purchase("PO-1", "FR", "M-STEEL", 5)]


# ---------------------------------------------------------------- EU CRMA
def test_crma_lithium_70_percent_from_one_country_is_a_warning(tmp_path, build_store):
    """Art. 5(1)(d) is a Union benchmark: a risk indicator (warning), never a violation."""
    store = build_store(dataset(tmp_path, [purchase("PO-1", "CN", "M-LI", 700), purchase("PO-2", "AU", "M-LI", 200),
                                           purchase("PO-3", "CL", "M-LI", 100)]))
    report = validate(store, ["eu-crma"], as_of=date(2025, 1, 1))
    assert pairs(report, "eu-crma", "warning") == {("CRMA-65", "BatteryGradeLithium/2024")}
    (r,) = [r for r in report.results if r.code == "CRMA-65"]
    assert r.value == "0.7" and r.severity == "warning"
    assert report.conforms


def test_crma_cobalt_40_cn_60_us_is_fine(tmp_path, build_store):
    store = build_store(dataset(tmp_path, [purchase("PO-1", "CN", "M-CO", 40), purchase("PO-2", "US", "M-CO", 60)]))
    report = validate(store, ["eu-crma"], as_of=date(2025, 1, 1))
    assert pairs(report, "eu-crma", "warning") == set()
    assert report.conforms


def test_crma_eu_country_is_not_counted_and_years_are_separate(tmp_path, build_store):
    store = build_store(dataset(tmp_path, [
        purchase("PO-1", "DE", "M-LI", 900), purchase("PO-2", "CN", "M-LI", 100),  # 90 % from an EU member
        purchase("PO-3", "CN", "M-LI", 10, day="2023-05-01")]))  # 100 % CN, but in 2023
    report = validate(store, ["eu-crma"], as_of=date(2025, 1, 1))
    assert pairs(report, "eu-crma", "warning") == {("CRMA-65", "BatteryGradeLithium/2023")}


def test_crma_info_critical_share(tmp_path, build_store):
    store = build_store(dataset(tmp_path, [purchase("PO-1", "CN", "M-CO", 1), purchase("PO-2", "FR", "M-STEEL", 3)]))
    report = validate(store, ["eu-crma"], as_of=date(2025, 1, 1))
    assert pairs(report, "eu-crma", "info") == {("CRMA-INFO-CRM", "inflow/2024")}
    assert [r.value for r in report.results if r.code == "CRMA-INFO-CRM"] == ["0.25"]
    no_crm = build_store(dataset(tmp_path, BASE, name="steel"))
    assert pairs(validate(no_crm, ["eu-crma"]), "eu-crma") == set()


# ---------------------------------------------------------------- EU Batteries
BATTERY_BOM = [{"product": "P-EV", "material": m, "mass_kg": kg} for m, kg in
               (("M-CO", 8), ("M-LI", 6), ("M-NI", 30), ("M-STEEL", 50))]
BATTERY_PURCHASES = [purchase("PO-CO", "DE", "M-CO", 10, 0.18), purchase("PO-LI", "DE", "M-LI", 10, 0.05),
                     purchase("PO-NI", "DE", "M-NI", 10, 0.07)]


@pytest.mark.parametrize("as_of, expected", [
    (date(2031, 9, 1), {("BATT-8-LI", "P-EV/S-PLANT/2024")}),
    (date(2031, 8, 17), set()),  # before Art. 8(2) applies
    (date(2036, 8, 18), {("BATT-8-CO", "P-EV/S-PLANT/2024"), ("BATT-8-LI", "P-EV/S-PLANT/2024"),
                         ("BATT-8-NI", "P-EV/S-PLANT/2024")}),
])
def test_batteries_ev_battery_18_5_7_percent(tmp_path, build_store, as_of, expected):
    store = build_store(dataset(tmp_path, BATTERY_PURCHASES, [product("P-EV", "ev_battery")], BATTERY_BOM))
    report = validate(store, ["eu-batteries"], as_of=as_of)
    assert pairs(report, "eu-batteries", "violation") == expected
    assert pairs(report, "eu-batteries", "warning") == set()  # every claim evidenced


def test_batteries_lead_and_valid_fixture(tmp_path, build_store):
    purchases = [purchase("PO-PB", "DE", "M-PB", 10, 0.80), purchase("PO-PB2", "PL", "M-PB", 10, 0.95),
                 purchase("PO-LI", "DE", "M-LI", 10, 0.20)]
    bom = [{"product": "P-SLI", "material": "M-PB", "mass_kg": 10}, {"product": "P-LMT", "material": "M-LI", "mass_kg": 1},
           {"product": "P-TOY", "material": "M-LI", "mass_kg": 1}]
    store = build_store(dataset(tmp_path, purchases, [product("P-SLI", "sli_battery"), product("P-LMT", "lmt_battery"),
                                                      product("P-TOY", "other")], bom))
    # lead 0.875 >= 0.85, lithium 0.20 >= 0.12: all fine; the toy is not in scope
    assert pairs(validate(store, ["eu-batteries"], as_of=date(2040, 1, 1)), "eu-batteries", "violation") == set()
    low = build_store(dataset(tmp_path, [purchase("PO-PB", "DE", "M-PB", 10, 0.5)],
                              [product("P-SLI", "sli_battery")], bom[:1], name="low"))
    assert pairs(validate(low, ["eu-batteries"], as_of=date(2032, 1, 1)), "eu-batteries", "violation") == {
        ("BATT-8-PB", "P-SLI/S-PLANT/2024")}


# ---------------------------------------------------------------- EU PPWR
@pytest.mark.parametrize("category, code, share, as_of, fails", [
    ("packaging_pet_contact_sensitive", "PPWR-7-A", 0.28, date(2030, 6, 1), True),
    ("packaging_pet_contact_sensitive", "PPWR-7-A", 0.30, date(2030, 6, 1), False),
    ("packaging_pet_contact_sensitive", "PPWR-7-A", 0.45, date(2040, 6, 1), True),
    ("packaging_pet_contact_sensitive", "PPWR-7-A", 0.28, date(2029, 12, 31), False),
    ("packaging_plastic_contact_sensitive", "PPWR-7-B", 0.09, date(2030, 6, 1), True),
    ("packaging_plastic_contact_sensitive", "PPWR-7-B", 0.25, date(2040, 6, 1), False),
    ("packaging_beverage_bottle", "PPWR-7-C", 0.60, date(2040, 6, 1), True),
    ("packaging_beverage_bottle", "PPWR-7-C", 0.30, date(2030, 6, 1), False),
    ("packaging_plastic_other", "PPWR-7-D", 0.34, date(2030, 6, 1), True),
    ("packaging_plastic_other", "PPWR-7-D", 0.65, date(2040, 6, 1), False),
])
def test_ppwr_minimum_recycled_content(tmp_path, build_store, category, code, share, as_of, fails):
    store = build_store(dataset(tmp_path, [purchase("PO-PET", "DE", "M-PET", 10, share)], [product("P-PACK", category)],
                                [{"product": "P-PACK", "material": "M-PET", "mass_kg": 0.02},
                                 {"product": "P-PACK", "material": "M-STEEL", "mass_kg": 0.02}]))
    report = validate(store, ["eu-ppwr"], as_of=as_of)
    assert pairs(report, "eu-ppwr") == ({(code, "P-PACK/S-PLANT/2024")} if fails else set())


# ---------------------------------------------------------------- ESRS E5
def test_esrs_e5_completeness(mini_dir, build_store):
    report = validate(build_store(mini_dir), ["esrs-e5"])
    # PO-3 declares neither share (tests/fixtures/mini); everything else is complete
    assert pairs(report, "esrs-e5", "warning") == {("ESRS-E5-4-31C-RECYCLED", "PO-3"), ("ESRS-E5-4-31C-REUSED", "PO-3")}
    assert pairs(report, "esrs-e5", "violation") == set()


def test_esrs_e5_valid_and_loops_without_treatment(tmp_path, build_store):
    ok = build_store(dataset(tmp_path, BASE))
    assert pairs(validate(ok, ["esrs-e5"]), "esrs-e5") == set()
    ttl = f"""<{ID}loop/LX> a ls:Loop ; ls:id "LX" ; ls:fromSite <{ID}site/S-PLANT> ; ls:toSite <{ID}site/S-DE> ;
        ls:material <{ID}material/M-STEEL> ; ls:quantity 1.0 ; ls:unit unit:KiloGM ."""
    bad = build_store(dataset(tmp_path, BASE, extra_ttl=ttl, name="bad"))
    assert pairs(validate(bad, ["esrs-e5"]), "esrs-e5") == {
        ("ESRS-E5-5-37A", "LX"), ("ESRS-E5-5-37BC", "LX"), ("ESRS-E5-5-PERIOD", "LX")}


# ---------------------------------------------------------------- data quality
PREFIXES = """@prefix ls: <https://w3id.org/loopsource/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix region: <https://w3id.org/loopsource/region/> .
"""
GOOD_PURCHASE = (f'<{ID}purchase/PX> a ls:Purchase ; ls:id "PX" ; ls:date "2024-01-01"^^xsd:date ; '
                 f'ls:buyerSite <{ID}site/S-PLANT> ; ls:supplierSite <{ID}site/S-FR> ; ls:material <{ID}material/M-STEEL> ; '
                 f'ls:quantity 1.0 ; ls:unit unit:KiloGM ; ls:massKg 1.0 ; ls:recycledShare 0.1 ; ls:reusedShare 0.0 .')
GOOD_ORG = '<{ID}org/OX> a ls:Supplier ; ls:id "OX" ; schema:name "X" ; ls:country region:FR .'.replace("{ID}", ID)
GOOD_SITE = (f'<{ID}site/SX> a ls:SupplierSite ; ls:id "SX" ; schema:name "X" ; org:siteOf <{ID}org/ORG-FR> ; '
             f'ls:locatedIn region:FR ; geo:lat 45.0 ; geo:long 4.0 .')
GOOD_MAT = f'<{ID}material/MX> a ls:Copper ; ls:id "MX" ; schema:name "X" .'
GOOD_PROD = (f'<{ID}product/PRX> a ls:Product ; ls:id "PRX" ; schema:name "X" ; ls:lifetimeYears 5.0 ; '
             f'ls:industryLifetimeYears 5.0 ; ls:collectionRecyclingShare 0.5 ; ls:collectionReuseShare 0.0 ; '
             f'ls:recyclingEfficiencyEol 0.9 ; ls:recyclingEfficiencyFeedstock 0.8 .')
GOOD_BOM = (f'<{ID}bom/PRX/M-STEEL> a ls:BomLine ; ls:bomLineOf <{ID}product/PRX> ; ls:material <{ID}material/M-STEEL> ; '
            f'ls:massKg 2.0 .')
GOOD_LOOP = (f'<{ID}loop/LX> a ls:Loop ; ls:id "LX" ; ls:date "2024-01-01"^^xsd:date ; ls:fromSite <{ID}site/S-PLANT> ; '
             f'ls:toSite <{ID}site/S-DE> ; ls:material <{ID}material/M-STEEL> ; ls:strategy ls:Recycle ; '
             f'ls:quantity 1.0 ; ls:unit unit:KiloGM ; ls:massKg 1.0 .')
BOM_IRI = f"{ID}bom/PRX/M-STEEL"
# owl:sameAs M-CU M-STEEL (M-CU has no CSV row): the reasoner (owlrl: eq-sym, eq-rep-s,
# eq-rep-o) makes each the same as the other and copies every statement across. M-CU then
# carries M-STEEL's ls:id, so both foci of DQ-SAMEAS are named "M-STEEL" (one pair), and
# PO-1's material becomes both M-STEEL and M-CU, over DQ-PUR-MATERIAL's maxCount 1: the
# doubled rows that the warning is about.
SAMEAS = {("DQ-SAMEAS", "M-STEEL"), ("DQ-PUR-MATERIAL", "PO-1")}

DQ_CASES = [
    ("DQ-ID", GOOD_PURCHASE.replace('ls:id "PX" ; ', ""), {("DQ-ID", f"{ID}purchase/PX")}),
    ("DQ-PUR-DATE", GOOD_PURCHASE.replace('"2024-01-01"^^xsd:date', '"2024-01-01"'), {("DQ-PUR-DATE", "PX")}),
    ("DQ-PUR-BUYER", GOOD_PURCHASE.replace(f"ls:buyerSite <{ID}site/S-PLANT>", f"ls:buyerSite <{ID}material/M-LI>"),
     {("DQ-PUR-BUYER", "PX")}),
    ("DQ-PUR-SUPPLIER", GOOD_PURCHASE.replace(f"ls:supplierSite <{ID}site/S-FR> ; ", ""), {("DQ-PUR-SUPPLIER", "PX")}),
    ("DQ-PUR-MATERIAL", GOOD_PURCHASE.replace(f"ls:material <{ID}material/M-STEEL>", f"ls:material <{ID}site/S-FR>"),
     {("DQ-PUR-MATERIAL", "PX")}),
    ("DQ-PUR-MASS", GOOD_PURCHASE.replace("ls:massKg 1.0", "ls:massKg -5.0"), {("DQ-PUR-MASS", "PX")}),
    ("DQ-PUR-SHARE", GOOD_PURCHASE.replace("ls:recycledShare 0.1", "ls:recycledShare 1.5"), {("DQ-PUR-SHARE", "PX")}),
    ("DQ-PUR-SECONDARY", GOOD_PURCHASE.replace(" ; ls:recycledShare 0.1 ; ls:reusedShare 0.0", ""),
     {("DQ-PUR-SECONDARY", "PX")}),
    ("DQ-ORG-COUNTRY", GOOD_ORG.replace("ls:country region:FR", 'ls:country "FR"'), {("DQ-ORG-COUNTRY", "OX")}),
    ("DQ-ORG-NAME", GOOD_ORG.replace('schema:name "X" ; ', ""), {("DQ-ORG-NAME", "OX")}),
    ("DQ-SITE-ORG", GOOD_SITE.replace(f"org:siteOf <{ID}org/ORG-FR> ; ", ""), {("DQ-SITE-ORG", "SX")}),
    ("DQ-SITE-COUNTRY", GOOD_SITE.replace("ls:locatedIn region:FR", "ls:locatedIn region:m49-150"),
     {("DQ-SITE-COUNTRY", "SX")}),
    ("DQ-SITE-LAT", GOOD_SITE.replace("geo:lat 45.0", "geo:lat 95.0"), {("DQ-SITE-LAT", "SX")}),
    ("DQ-SITE-LON", GOOD_SITE.replace("geo:long 4.0", "geo:long 200.0"), {("DQ-SITE-LON", "SX")}),
    ("DQ-SITE-COORDS", GOOD_SITE.replace(" ; geo:lat 45.0 ; geo:long 4.0", ""), {("DQ-SITE-COORDS", "SX")}),
    ("DQ-MAT-NAME", GOOD_MAT.replace(' ; schema:name "X"', ""), {("DQ-MAT-NAME", "MX")}),
    ("DQ-PROD-LIFETIME", GOOD_PROD.replace("ls:lifetimeYears 5.0", "ls:lifetimeYears 0.0"), {("DQ-PROD-LIFETIME", "PRX")}),
    ("DQ-PROD-SHARE", GOOD_PROD.replace("ls:collectionRecyclingShare 0.5", "ls:collectionRecyclingShare 1.2"),
     {("DQ-PROD-SHARE", "PRX")}),
    ("DQ-BOM-PRODUCT", GOOD_PROD + GOOD_BOM.replace(f"ls:bomLineOf <{ID}product/PRX>", f"ls:bomLineOf <{ID}site/S-FR>"),
     {("DQ-BOM-PRODUCT", BOM_IRI)}),
    ("DQ-BOM-MATERIAL", GOOD_PROD + GOOD_BOM.replace(f"ls:material <{ID}material/M-STEEL> ; ", ""),
     {("DQ-BOM-MATERIAL", BOM_IRI)}),
    ("DQ-BOM-MASS", GOOD_PROD + GOOD_BOM.replace("ls:massKg 2.0", 'ls:massKg "heavy"'), {("DQ-BOM-MASS", BOM_IRI)}),
    ("DQ-LOOP-DATE", GOOD_LOOP.replace('ls:date "2024-01-01"^^xsd:date ; ', 'ls:date "soon" ; '), {("DQ-LOOP-DATE", "LX")}),
    ("DQ-LOOP-SITE", GOOD_LOOP.replace(f"ls:toSite <{ID}site/S-DE>", f"ls:toSite <{ID}org/ORG-DE>"), {("DQ-LOOP-SITE", "LX")}),
    ("DQ-LOOP-MATERIAL", GOOD_LOOP.replace(f"ls:material <{ID}material/M-STEEL>",
                                           f"ls:material <{ID}material/M-STEEL>, <{ID}material/M-PET>"),
     {("DQ-LOOP-MATERIAL", "LX")}),
    ("DQ-LOOP-STRATEGY", GOOD_LOOP.replace("ls:strategy ls:Recycle", "ls:strategy ls:Road"), {("DQ-LOOP-STRATEGY", "LX")}),
    ("DQ-LOOP-MASS", GOOD_LOOP.replace(" ; ls:massKg 1.0", ""), {("DQ-LOOP-MASS", "LX")}),
    ("DQ-SITE-SELLS", GOOD_PURCHASE.replace(f"ls:supplierSite <{ID}site/S-FR>", f"ls:supplierSite <{ID}site/S-PLANT>"),
     {("DQ-SITE-SELLS", "S-PLANT")}),
    ("DQ-SAMEAS", f"<{ID}material/M-CU> <http://www.w3.org/2002/07/owl#sameAs> <{ID}material/M-STEEL> .", SAMEAS),
]


def test_data_quality_valid_fixtures(tmp_path, build_store):
    ttl = "\n".join([GOOD_PURCHASE, GOOD_ORG, GOOD_SITE, GOOD_MAT, GOOD_PROD, GOOD_BOM, GOOD_LOOP])
    report = validate(build_store(dataset(tmp_path, BASE, extra_ttl=ttl)), ["data-quality"])
    assert pairs(report, "data-quality") == set()
    assert report.profiles == ("data-quality",)


@pytest.mark.parametrize("code, ttl, expected", DQ_CASES, ids=[c[0] for c in DQ_CASES])
def test_data_quality_invalid_fixtures(tmp_path, build_store, code, ttl, expected):
    report = validate(build_store(dataset(tmp_path, BASE, extra_ttl=ttl)), ["data-quality"])
    assert pairs(report, "data-quality") == expected


def test_data_quality_on_mini_fixture_gives_warnings_only(mini_dir, build_store):
    report = validate(build_store(mini_dir), ["data-quality"])
    assert pairs(report, "data-quality", "warning") == {("DQ-SITE-COORDS", "S-SUP2"), ("DQ-PUR-SECONDARY", "PO-3")}
    assert report.conforms


def test_stale_inferred_graph_is_reported(mini_dir, build_store):
    report = validate(build_store(mini_dir, reason=False), ["data-quality"])
    assert any("stale" in n for n in report.notes)
    assert pairs(report, "data-quality", "warning") == {("DQ-SITE-COORDS", "S-SUP2"), ("DQ-PUR-SECONDARY", "PO-3")}


# ---------------------------------------------------------------- policy
POLICY = """
rules:
  - rule: min_local_share
    min: 0.5
    local: country
  - rule: max_supplier_hhi
    max: 6000
    materials: critical
  - rule: dual_sourcing
    min_suppliers: 2
    materials: strategic
    severity: warning
"""


def test_policy_rules(tmp_path, build_store):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    bad = build_store(dataset(tmp_path, [purchase("PO-1", "CN", "M-LI", 10), purchase("PO-2", "FR", "M-STEEL", 5)]))
    report = validate(bad, ["policy"], policy=policy)
    assert pairs(report, "policy", "violation") == {("POL-LOCAL-SHARE", "S-PLANT/2024"), ("POL-SUPPLIER-HHI", "M-LI/2024")}
    assert pairs(report, "policy", "warning") == {("POL-DUAL-SOURCING", "M-LI/2024")}
    good = build_store(dataset(tmp_path, [purchase("PO-1", "CN", "M-LI", 4), purchase("PO-2", "AU", "M-LI", 4),
                                          purchase("PO-3", "FR", "M-STEEL", 10)], name="good"))
    assert pairs(validate(good, ["policy"], policy=policy), "policy") == set()


def test_policy_file_errors(tmp_path):
    from loopsource.errors import ShapesError

    bad = tmp_path / "p.yaml"
    for text in ("rules: 3", "rules:\n  - rule: nope\n", "rules:\n  - rule: min_local_share\n    min: 2\n",
                 "rules:\n  - rule: dual_sourcing\n    min_suppliers: 2\n    colour: red\n", "rules: [\n"):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ShapesError):
            load_policy(bad)
    with pytest.raises(ShapesError):
        load_policy(tmp_path / "missing.yaml")


def test_demo_policy_file_is_valid():
    demo = Path(__file__).resolve().parents[2] / "data" / "demo" / "policy.yaml"
    policy = load_policy(demo)
    assert policy.rules and "sh:NodeShape" in policy_turtle(policy)


def test_policy_turtle_escapes_codes_and_notes(tmp_path):
    """Codes and notes reach the generated shapes verbatim: quotes, backslashes and line breaks
    (a carriage return once made the generated Turtle unparsable)."""
    import rdflib

    from loopsource.validate.shapes import parse_shapes_text

    code, note = 'POL-"Q" \\ x', "line one\nline two\r\tend é"
    pol = tmp_path / "p.yaml"
    pol.write_text("rules:\n  - rule: dual_sourcing\n    min_suppliers: 2\n"
                   f"    code: {json.dumps(code)}\n    note: {json.dumps(note)}\n", encoding="utf-8")
    g = parse_shapes_text(policy_turtle(load_policy(pol)), "generated")
    assert {str(o) for o in g.objects(None, rdflib.URIRef("https://w3id.org/loopsource/ontology#ruleCode"))} == {code}
    assert {str(o) for o in g.objects(None, rdflib.URIRef("http://purl.org/dc/terms/source"))} == \
        {f"company policy p.yaml, rule 1 (dual_sourcing): {note}"}


# ---------------------------------------------------------------- user shapes, formats
def test_user_shapes_file(tmp_path, build_store, mini_dir):
    shapes = tmp_path / "mine.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ls: <https://w3id.org/loopsource/ontology#> .
        <urn:x:TransportMode> a sh:NodeShape ; sh:targetClass ls:Purchase ; ls:ruleCode "MY-MODE" ;
          sh:property [ sh:path ls:transportMode ; sh:minCount 1 ] .""", encoding="utf-8")
    report = validate(build_store(mini_dir), ["data-quality"], shapes_files=[shapes])
    assert pairs(report, "user:mine.ttl") == {("MY-MODE", "PO-3")}


def test_bad_shapes_and_profiles(tmp_path, build_store, mini_dir):
    from loopsource.errors import ShapesError

    store = build_store(mini_dir)
    with pytest.raises(UsageError):
        validate(store, ["nope"])
    with pytest.raises(ShapesError):
        validate(store, shapes_files=[tmp_path / "missing.ttl"])
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ShapesError):
        validate(store, shapes_files=[broken])
    xxe = tmp_path / "x.rdf"
    xxe.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                   '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="http://www.w3.org/ns/shacl#">'
                   '<rdf:Description rdf:about="urn:x"><s:message>&e;</s:message></rdf:Description></rdf:RDF>',
                   encoding="utf-8")
    with pytest.raises(ShapesError, match="refused"):
        validate(store, ["data-quality"], shapes_files=[xxe])
    bomb = tmp_path / "bomb.rdf"
    entities = "".join(f'<!ENTITY e{i} "{("&e%d;" % (i - 1)) * 10 if i else "lol" * 10}">' for i in range(9))
    bomb.write_text(f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="http://www.w3.org/ns/shacl#">'
                    '<rdf:Description rdf:about="urn:x"><s:message>&e8;</s:message></rdf:Description></rdf:RDF>',
                    encoding="utf-8")
    with pytest.raises(ShapesError, match="refused"):
        validate(store, ["data-quality"], shapes_files=[bomb])


def test_formats(mini_dir, build_store):
    import xml.etree.ElementTree as ET

    import rdflib

    report = validate(build_store(mini_dir), as_of=date(2031, 9, 1))
    data = json.loads(render(report, "json"))
    # the contract keys, and beside them what the answer covers (docs/compliance.md)
    assert set(data) == {"conforms", "results", "as_of", "period", "profiles", "context", "readiness"}
    assert all(set(r) == {"profile", "code", "severity", "focus", "path", "value", "message"} for r in data["results"])
    assert data["conforms"] == report.conforms
    text = render(report, "text")
    for p in PROFILES:
        assert p in text
    junit = ET.fromstring(render(report, "junit", "warning"))
    assert junit.tag == "testsuites" and int(junit.get("failures")) == len(report.at_or_above("warning"))
    props = {p.get("name"): p.get("value") for p in junit.find("testsuite").iter("property")}
    assert props["as_of"] == str(report.as_of) and props["period"] == "2024"  # mini: purchases of 2024
    html = render_html(report)
    assert html.startswith("<!doctype html>") and "BATT-8-LI" in html and "CRMA-65" in html
    with pytest.raises(UsageError, match="render_html"):
        render(report, "html")  # the page is the rendering stage's: validate does not import it
    g = rdflib.Graph().parse(data=render(report, "turtle"), format="turtle")
    assert len(g) > 0
    counts = report.counts()
    # mini: battery-grade lithium all from CN (CRMA-65, a warning), an EV battery whose lithium
    # claim has no pre/post-consumer split and no chain of custody (counts as 0: BATT-8-LI)
    assert counts["eu-crma"]["violations"] == 0 and counts["eu-batteries"]["violations"] == 1
