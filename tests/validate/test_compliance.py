"""Compliance exact to the law (issue #13): scope, dates, unit of assessment and evidence of the
EU profiles, at their boundaries; the input contract's compliance columns; and one definition
of the CRMA concentration and the HHI across validation.json, the catalogue query, the
scenario baseline and metrics.json. Results are compared as sets of (code, focus) pairs."""
from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.errors import InputError, ShapesError
from loopsource.load.loader import load_directory
from loopsource.validate import load_policy, validate
from loopsource.validate.concentration import bands, hhi_points
from loopsource.validate.crma import ontology_facts
from loopsource.validate.settings import Settings, add_months, load_settings

from ..conftest import DEMO
from ..builders import write_csv
from .test_validate import MATERIALS, ORGS, SITES, dataset, pairs, product, purchase

LS = "https://w3id.org/loopsource/ontology#"


def bat(pid: str, category: str, capacity: object = "", external: object = "", plant: str = "S-PLANT") -> dict:
    return {**product(pid, category), "capacity_kwh": capacity, "external_storage_only": external, "plant": plant}


def bom(pid: str, *lines: tuple[str, float]) -> list[dict[str, object]]:
    return [{"product": pid, "material": m, "mass_kg": kg} for m, kg in lines]


# Cobalt 18 %, lithium 5 %, nickel 7 %, all evidenced post-consumer (purchase() in test_validate)
CELLS = [purchase("PO-CO", "DE", "M-CO", 10, 0.18), purchase("PO-LI", "DE", "M-LI", 10, 0.05),
         purchase("PO-NI", "DE", "M-NI", 10, 0.07)]
CELL_BOM = (("M-CO", 8.0), ("M-LI", 6.0), ("M-NI", 30.0), ("M-STEEL", 50.0))


# ---------------------------------------------------------------- input contract
def test_compliance_columns_are_checked_like_every_other(tmp_path):
    """A misspelt category is a load error with did-you-mean, never silently unchecked."""
    mats = [{**MATERIALS[0], "grade": "batery"}, {**MATERIALS[1], "element_share": "0"}, *MATERIALS[2:]]
    bad = purchase("PO-2", "DE", "M-CO", 1, 0.2)
    bad.update(recycled_pre_consumer_share=0.1, recycled_post_consumer_share=0.05, chain_of_custody="massbalance",
               certificate="ISCC")
    d = dataset(tmp_path, [purchase("PO-1", "DE", "M-CO", 1), bad],
                [bat("P-1", "EV battery", capacity="-1", external="yes", plant="S-NOPE")],
                bom("P-1", ("M-CO", 1)))
    (d / "materials.csv").unlink()
    with (d / "materials.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(mats[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(mats)
    with pytest.raises(InputError) as e:
        load_directory(d)
    got = {(p.file, p.line, p.column) for p in e.value.problems}
    assert got == {("materials.csv", 2, "grade"), ("materials.csv", 3, "element_share"),
                   ("products.csv", 2, "category"), ("products.csv", 2, "capacity_kwh"),
                   ("products.csv", 2, "external_storage_only"), ("products.csv", 2, "plant"),
                   ("purchases.csv", 3, "recycled_post_consumer_share"), ("purchases.csv", 3, "chain_of_custody"),
                   ("purchases.csv", 3, "certificate")}
    text = "\n".join(str(p) for p in e.value.problems)
    assert "did you mean 'ev_battery'" in text and "did you mean 'mass_balance'" in text
    assert "did you mean 'battery'" in text


def test_recycled_share_from_its_split(tmp_path, build_store):
    """recycled_share empty, pre 0.1 + post 0.2: the purchase declares 0.3."""
    p = purchase("PO-1", "DE", "M-CO", 1, 0.2)
    p.update(recycled_share="", recycled_pre_consumer_share=0.1, recycled_post_consumer_share=0.2)
    store = build_store(dataset(tmp_path, [p]), reason=False)
    rows = store.select(f"SELECT ?r WHERE {{ ?p <{LS}recycledShare> ?r }}").values()
    assert [float(r["r"]) for r in rows] == [pytest.approx(0.3)]


# ---------------------------------------------------------------- Batteries Art. 8 scope and dates
@pytest.mark.parametrize("category, capacity, external, as_of, expected", [
    ("industrial_battery", 2, "", date(2031, 8, 18), set()),  # exactly 2 kWh: not "above 2 kWh"
    ("industrial_battery", 2.5, "", date(2031, 8, 18), {"BATT-8-LI"}),
    ("industrial_battery", 100, "true", date(2031, 8, 18), set()),  # exclusively external storage
    ("industrial_battery", 100, "false", date(2031, 8, 18), {"BATT-8-LI"}),
    ("ev_battery", "", "", date(2031, 8, 17), set()),  # the day before Art. 8(2)
    ("ev_battery", "", "", date(2031, 8, 18), {"BATT-8-LI"}),  # the day of
    ("sli_battery", "", "", date(2031, 8, 18), {"BATT-8-LI"}),
    ("lmt_battery", 0.5, "", date(2031, 8, 18), set()),  # LMT: only from 2036 (Art. 8(3))
    ("lmt_battery", 0.5, "", date(2036, 8, 17), set()),
    ("lmt_battery", 0.5, "", date(2036, 8, 18), {"BATT-8-CO", "BATT-8-LI", "BATT-8-NI"}),  # 18<26, 5<12, 7<15
    ("ev_battery", "", "", date(2036, 8, 18), {"BATT-8-CO", "BATT-8-LI", "BATT-8-NI"}),
    ("portable_battery", "", "", date(2036, 8, 18), set()),  # never in Art. 8
    ("other", "", "", date(2036, 8, 18), set()),
])
def test_batteries_scope(tmp_path, build_store, category, capacity, external, as_of, expected):
    """Co 0.18 >= 0.16, Li 0.05 < 0.06, Ni 0.07 >= 0.06 (2031); 2036: 0.26, 0.12, 0.15."""
    store = build_store(dataset(tmp_path, CELLS, [bat("P-B", category, capacity, external)], bom("P-B", *CELL_BOM)))
    report = validate(store, ["eu-batteries"], as_of=as_of)
    assert pairs(report, "eu-batteries", "violation") == {(c, "P-B/S-PLANT/2024") for c in expected}


def test_industrial_battery_without_capacity_is_reported(tmp_path, build_store):
    store = build_store(dataset(tmp_path, CELLS, [bat("P-B", "industrial_battery")], bom("P-B", *CELL_BOM)))
    report = validate(store, ["eu-batteries"], as_of=date(2031, 8, 18))
    assert pairs(report, "eu-batteries") == {("BATT-8-DATA", "P-B")}


def test_battery_unit_is_model_plant_year(tmp_path, build_store):
    """Two plants, two years: only S-PLANT's purchases count for P-B, year by year.

    S-PLANT 2024: Li 10 t at 0.05; 2025: Li 10 t at 0.10. The other plant (S-FR as buyer) bought
    lithium at 0.50 in 2024, which must not lift S-PLANT's share. Units: P-B/S-PLANT/2024 (0.05,
    below 0.06) and P-B/S-PLANT/2025 (0.10, fine)."""
    other = purchase("PO-X", "DE", "M-LI", 100, 0.50)
    other["buyer_site"] = "S-FR"
    rows = [purchase("PO-1", "DE", "M-LI", 10, 0.05), purchase("PO-2", "DE", "M-LI", 10, 0.10, day="2025-02-01"),
            other]
    store = build_store(dataset(tmp_path, rows, [bat("P-B", "ev_battery")], bom("P-B", ("M-LI", 5))))
    report = validate(store, ["eu-batteries"], as_of=date(2032, 1, 1))
    assert pairs(report, "eu-batteries", "violation") == {("BATT-8-LI", "P-B/S-PLANT/2024")}
    units = {a.focus: a for a in report.assessments if a.profile == "eu-batteries"}
    assert set(units) == {"P-B/S-PLANT/2024", "P-B/S-PLANT/2025"}
    assert units["P-B/S-PLANT/2025"].status == "pass" and units["P-B/S-PLANT/2024"].status == "violation"


def test_battery_active_material_is_contained_element(tmp_path, build_store):
    """Lithium share of a unit with two lithium compounds, weighted by contained lithium.

    LiOH·H2O 6 kg x 0.1654 = 0.9924 kg Li at 0.10 recycled; Li2CO3 1 kg x 0.1879 = 0.1879 kg at 0.
    Share = 0.09924 / 1.1803 = 0.0840803; by compound mass it would be 0.6 / 7 = 0.0857."""
    mats = MATERIALS + [{"id": "M-LIOH", "name": "LiOH", "class": "LithiumHydroxideMonohydrate", "grade": "battery",
                         "element_share": ""},
                        {"id": "M-LICO", "name": "Li2CO3", "class": "LithiumCarbonate", "grade": "battery",
                         "element_share": ""}]
    d = dataset(tmp_path, [purchase("PO-1", "DE", "M-LIOH", 1, 0.10), purchase("PO-2", "DE", "M-LICO", 1, 0.0)],
                [bat("P-B", "ev_battery")], bom("P-B", ("M-LIOH", 6), ("M-LICO", 1)))
    write_csv(d / "materials.csv", mats)
    report = validate(build_store(d), ["eu-batteries"], as_of=date(2036, 8, 18))
    (r,) = [r for r in report.results if r.code == "BATT-8-LI"]
    assert float(r.value) == pytest.approx(0.09924 / 1.1803, abs=1e-6)


@pytest.mark.parametrize("change, counted", [
    ({}, True),
    ({"chain_of_custody": "book_and_claim"}, False),  # no physical link
    ({"chain_of_custody": ""}, False),
    ({"recycled_pre_consumer_share": 0.05, "recycled_post_consumer_share": 0.0}, True),  # manufacturing waste counts
    ({"recycled_pre_consumer_share": "", "recycled_post_consumer_share": ""}, False),  # kind unknown
    ({"certificate": ""}, True),  # no certificate needed (evidence.yaml)
])
def test_battery_evidence(tmp_path, build_store, change, counted):
    """Lithium 0.05 declared; counted -> share 0.05, else 0 and a BATT-8-EVIDENCE warning of
    5 kg x 0.05 = 0.25 kg of lithium per battery."""
    p = purchase("PO-1", "DE", "M-LI", 10, 0.05)
    p.update(change)
    store = build_store(dataset(tmp_path, [p], [bat("P-B", "ev_battery")], bom("P-B", ("M-LI", 5))))
    report = validate(store, ["eu-batteries"], as_of=date(2030, 1, 1))
    warn = [r for r in report.results if r.code == "BATT-8-EVIDENCE"]
    assert (warn == []) is counted
    if not counted:
        assert float(warn[0].value) == pytest.approx(0.25)


@pytest.mark.parametrize("act, as_of, documented", [
    (None, date(2028, 8, 17), False), (None, date(2028, 8, 18), True),
    (date(2027, 6, 1), date(2029, 5, 31), False), (date(2027, 6, 1), date(2029, 6, 1), True),  # act + 24 months
])
def test_battery_documentation_date_later_of(tmp_path, build_store, act, as_of, documented):
    store = build_store(dataset(tmp_path, CELLS, [bat("P-B", "ev_battery")], bom("P-B", *CELL_BOM)))
    report = validate(store, ["eu-batteries"], as_of=as_of, settings=Settings(batteries_delegated_act=act))
    assert (("BATT-8-1-DOC", "P-B/S-PLANT/2024") in pairs(report, "eu-batteries", "info")) is documented


# ---------------------------------------------------------------- PPWR Art. 7
def _tray(tmp_path: Path, lid_kg: float, tray_share: float = 0.31, category: str = "packaging_pet_contact_sensitive",
          extra: dict | None = None) -> Path:
    mats = MATERIALS + [{"id": "M-PP", "name": "PP", "class": "PP", "grade": "", "element_share": ""}]
    pet = purchase("PO-PET", "DE", "M-PET", 10, tray_share)
    pet.update(extra or {})
    d = dataset(tmp_path, [pet, purchase("PO-PP", "DE", "M-PP", 1, 0.0)], [bat("P-TRAY", category)],
                bom("P-TRAY", ("M-PET", 1.0 - lid_kg), *([("M-PP", lid_kg)] if lid_kg else [])),
                name=f"tray{lid_kg}{category}")
    write_csv(d / "materials.csv", mats)
    return d


@pytest.mark.parametrize("lid, expected", [
    (0.04, set()),  # 4 % lid left out: 0.31 on the tray alone
    (0.05, {"PPWR-7-A"}),  # exactly 5 %: pooled, 0.95 x 0.31 = 0.2945 < 0.30
])
def test_ppwr_pet_tray_with_pp_lid(tmp_path, build_store, lid, expected):
    report = validate(build_store(_tray(tmp_path, lid)), ["eu-ppwr"], as_of=date(2030, 6, 1))
    assert pairs(report, "eu-ppwr") == {(c, "P-TRAY/S-PLANT/2024") for c in expected}


@pytest.mark.parametrize("act, as_of, applies", [
    (None, date(2029, 12, 31), False), (None, date(2030, 1, 1), True),
    (date(2027, 6, 30), date(2030, 1, 1), False), (date(2027, 6, 30), date(2030, 6, 30), True),  # act + 3 years
    (date(2026, 6, 30), date(2030, 1, 1), True),  # act + 3 years earlier than 2030: 1 January 2030
])
def test_ppwr_start_is_later_of_2030_and_act_plus_three_years(tmp_path, build_store, act, as_of, applies):
    report = validate(build_store(_tray(tmp_path, 0.0, 0.20)), ["eu-ppwr"], as_of=as_of,
                      settings=Settings(ppwr_implementing_act=act))
    assert pairs(report, "eu-ppwr") == ({("PPWR-7-A", "P-TRAY/S-PLANT/2024")} if applies else set())


@pytest.mark.parametrize("category", ["packaging_compostable", "packaging_medical", "packaging_infant_food",
                                      "packaging_dangerous_goods", "other"])
def test_ppwr_exempt_categories(tmp_path, build_store, category):
    report = validate(build_store(_tray(tmp_path, 0.0, 0.0, category)), ["eu-ppwr"], as_of=date(2040, 6, 1))
    assert pairs(report, "eu-ppwr") == set()


@pytest.mark.parametrize("category, share, expected", [
    ("packaging_plastic_contact_sensitive", 0.10, set()), ("packaging_plastic_contact_sensitive", 0.09, {"PPWR-7-B"}),
    ("packaging_beverage_bottle", 0.30, set()), ("packaging_beverage_bottle", 0.29, {"PPWR-7-C"}),
    ("packaging_plastic_other", 0.35, set()), ("packaging_plastic_other", 0.34, {"PPWR-7-D"}),
])
def test_ppwr_categories_in_scope(tmp_path, build_store, category, share, expected):
    report = validate(build_store(_tray(tmp_path, 0.0, share, category)), ["eu-ppwr"], as_of=date(2030, 6, 1))
    assert pairs(report, "eu-ppwr", "violation") == {(c, "P-TRAY/S-PLANT/2024") for c in expected}


@pytest.mark.parametrize("extra, counted", [
    ({}, True),
    ({"recycled_pre_consumer_share": 0.31, "recycled_post_consumer_share": 0.0}, False),  # pre-consumer never counts
    ({"certificate": ""}, False),  # third-party verification (Impl. Decision (EU) 2026/1425)
    ({"chain_of_custody": "book_and_claim"}, False),
])
def test_ppwr_evidence(tmp_path, build_store, extra, counted):
    report = validate(build_store(_tray(tmp_path, 0.0, 0.31, extra=extra)), ["eu-ppwr"], as_of=date(2030, 6, 1))
    expected = set() if counted else {("PPWR-7-A", "P-TRAY/S-PLANT/2024"), ("PPWR-7-EVIDENCE", "P-TRAY/S-PLANT/2024")}
    assert pairs(report, "eu-ppwr") == expected


# ---------------------------------------------------------------- CRMA
@pytest.mark.parametrize("cn, au, warned", [(650, 350, False), (660, 340, True)])  # exactly 65 % meets it
def test_crma_benchmark_boundary(tmp_path, build_store, cn, au, warned):
    store = build_store(dataset(tmp_path, [purchase("PO-1", "CN", "M-LI", cn), purchase("PO-2", "AU", "M-LI", au)]))
    report = validate(store, ["eu-crma"], as_of=date(2025, 1, 1))
    assert pairs(report, "eu-crma", "warning") == ({("CRMA-65", "BatteryGradeLithium/2024")} if warned else set())
    assert pairs(report, "eu-crma", "violation") == set()


@pytest.mark.parametrize("grade, expected", [
    ("battery", {("CRMA-65", "BatteryGradeLithium/2024")}),
    ("other", set()),  # technical-grade lithium: critical, not strategic
    ("", {("CRMA-GRADE", "M-LI")}),  # unknown grade: reported, not placed on Annex I
])
def test_crma_lithium_is_strategic_only_at_battery_grade(tmp_path, build_store, grade, expected):
    d = dataset(tmp_path, [purchase("PO-1", "CN", "M-LI", 100)])
    write_csv(d / "materials.csv", [{**MATERIALS[0], "grade": grade}, *MATERIALS[1:]])
    report = validate(build_store(d), ["eu-crma"], as_of=date(2025, 1, 1))
    assert pairs(report, "eu-crma", "warning") == expected
    assert pairs(report, "eu-crma", "info") == {("CRMA-INFO-CRM", "inflow/2024")}  # lithium is critical (II(s))


def test_crma_contained_element_by_third_country(tmp_path, build_store):
    """LiOH·H2O 1,000 kg from CN (165.4 kg Li) and Li2CO3 1,000 kg from AU (187.9 kg Li): CN has
    half the compound mass but 165.4 / 353.3 = 0.468157 of the lithium; with element_share 0.5 on
    the carbonate AU has 500 kg and CN 165.4 / 665.4 = 0.248572."""
    mats = MATERIALS + [{"id": "M-LIOH", "name": "LiOH", "class": "LithiumHydroxideMonohydrate", "grade": "battery",
                         "element_share": ""},
                        {"id": "M-LICO", "name": "Li2CO3", "class": "LithiumCarbonate", "grade": "battery",
                         "element_share": ""}]
    d = dataset(tmp_path, [purchase("PO-1", "CN", "M-LIOH", 1), purchase("PO-2", "AU", "M-LICO", 1)])
    write_csv(d / "materials.csv", mats)
    report = validate(build_store(d), ["eu-crma"], as_of=date(2025, 1, 1))
    (a,) = [a for a in report.assessments if a.focus == "BatteryGradeLithium/2024"]
    assert "AU 0.532" in a.figures  # 187.9 / 353.3 = 0.531843, the largest third country
    mats[-1]["element_share"] = 0.5
    d2 = dataset(tmp_path, [purchase("PO-1", "CN", "M-LIOH", 1), purchase("PO-2", "AU", "M-LICO", 1)], name="d2")
    write_csv(d2 / "materials.csv", mats)
    report2 = validate(build_store(d2), ["eu-crma"], as_of=date(2025, 1, 1))
    (r,) = [r for r in report2.results if r.code == "CRMA-65"]
    assert float(r.value) == pytest.approx(500 / 665.4, abs=1e-6)


def test_crma_natural_graphite_and_grades_from_the_ontology():
    entries = {e.key: e for e in ontology_facts().entries.values()}
    assert len(entries) == 17
    assert {k: (e.grade_of.split("#")[1], e.grade) for k, e in entries.items() if e.grade_of} == {
        "BatteryGradeLithium": ("Lithium", "battery"), "BatteryGradeManganese": ("Manganese", "battery"),
        "BatteryGradeNickel": ("Nickel", "battery"), "BatteryGradeGraphite": ("Graphite", "battery"),
        "MetallurgyGradeBoron": ("Boron", "metallurgy"), "MagnesiumMetal": ("Magnesium", "metal")}
    from loopsource.validate.crma import is_critical, strategic_entry

    natural = {LS + "NaturalGraphite", LS + "Graphite", LS + "CriticalRawMaterial", LS + "Mineral", LS + "Material"}
    assert is_critical(natural, None) and strategic_entry(natural, None) is None
    assert strategic_entry(natural, "battery").key == "BatteryGradeGraphite"
    nickel = {LS + "Nickel", LS + "NonFerrousMetal", LS + "Metal", LS + "Material"}
    assert not is_critical(nickel, None) and is_critical(nickel, "battery")  # Annex II(w): battery grade only


def test_element_shares_from_molar_masses():
    """IUPAC 2021 abridged standard atomic weights; the ontology's 4-decimal values."""
    li, o, h, c, s, co, ni, mn = 6.94, 15.999, 1.008, 12.011, 32.06, 58.933, 58.693, 54.938
    w = 2 * h + o
    expected = {"LithiumHydroxideMonohydrate": li / (li + o + h + w), "LithiumCarbonate": 2 * li / (2 * li + c + 3 * o),
                "CobaltSulphateHeptahydrate": co / (co + s + 4 * o + 7 * w),
                "NickelSulphateHexahydrate": ni / (ni + s + 4 * o + 6 * w),
                "ManganeseSulphateMonohydrate": mn / (mn + s + 4 * o + w)}
    got = {k.split("#")[1]: v for k, v in ontology_facts().element_fraction.items()}
    assert got == {k: pytest.approx(v, abs=5e-5) for k, v in expected.items()}
    assert got["LithiumHydroxideMonohydrate"] == pytest.approx(0.1654)


def test_crma_art24_mapping(tmp_path, build_store):
    """A battery maker: lithium from S-CN with no upstream site is 'mapping incomplete';
    cobalt from S-DE with an upstream site in S-AU is mapped (origin AU)."""
    rows = [purchase("PO-1", "CN", "M-LI", 1), purchase("PO-2", "DE", "M-CO", 1)]
    d = dataset(tmp_path, rows, [bat("P-B", "ev_battery")], bom("P-B", ("M-LI", 1), ("M-CO", 1)))
    write_csv(d / "upstream.csv", [{"site": "S-DE", "upstream_site": "S-AU", "material": "M-CO"}])
    report = validate(build_store(d), ["eu-crma"], as_of=date(2025, 1, 1))
    assert {p for p in pairs(report, "eu-crma", "warning") if p[0] == "CRMA-24-MAPPING"} == {("CRMA-24-MAPPING", "M-LI")}
    (co,) = [a for a in report.assessments if a.focus == "M-CO"]
    assert co.figures == "origin countries AU" and co.status == "pass"
    no_batteries = build_store(dataset(tmp_path, rows, name="nobat"))
    assert not any(r.code == "CRMA-24-MAPPING" for r in validate(no_batteries, ["eu-crma"]).results)


# ---------------------------------------------------------------- ESRS E5 completeness
def test_esrs_e5_biological_materials_need_a_certificate(tmp_path, build_store):
    mats = MATERIALS + [{"id": "M-WOOD", "name": "Wood", "class": "Wood", "grade": "", "element_share": ""}]
    bare = purchase("PO-2", "PL", "M-WOOD", 1)
    bare["certificate"] = ""
    d = dataset(tmp_path, [purchase("PO-1", "PL", "M-WOOD", 1), bare, purchase("PO-3", "PL", "M-WOOD", 1,
                                                                                 day="2025-01-01")])
    write_csv(d / "materials.csv", mats)
    report = validate(build_store(d), ["esrs-e5"])
    assert pairs(report, "esrs-e5", "warning") == {("ESRS-E5-4-31B", "M-WOOD/2024")}  # 2025: certified


# ---------------------------------------------------------------- company policy
def test_policy_local_subregion_through_intermediate_region(tmp_path, build_store):
    """Mexico's direct parent is Central America (013, an intermediate region); its sub-region
    is Latin America and the Caribbean (419). Plant in MX, suppliers in MX 2 t, CL 1 t (South
    America, 419 too), US 1 t (Northern America): local share (2 + 1) / 4 = 0.75."""
    orgs = ORGS + [{"id": "ORG-MX", "name": "MX", "role": "supplier", "country": "MX"},
                   {"id": "ORG-MXB", "name": "buyer MX", "role": "buyer", "country": "MX"}]
    sites = SITES + [{"id": "S-MX", "organisation": "ORG-MX", "name": "MX", "country": "MX", "lat": 25.7,
                      "lon": -100.3, "kind": "supplier_site"},
                     {"id": "S-MTY", "organisation": "ORG-MXB", "name": "MTY", "country": "MX", "lat": 25.8,
                      "lon": -100.2, "kind": "plant"}]
    rows = [purchase("PO-1", "MX", "M-STEEL", 2), purchase("PO-2", "CL", "M-STEEL", 1),
            purchase("PO-3", "US", "M-STEEL", 1)]
    for r in rows:
        r["buyer_site"] = "S-MTY"
    d = dataset(tmp_path, rows)
    write_csv(d / "organisations.csv", orgs)
    write_csv(d / "sites.csv", sites)
    pol = tmp_path / "p.yaml"
    pol.write_text("rules:\n  - rule: min_local_share\n    min: 0.8\n    local: subregion\n", encoding="utf-8")
    report = validate(build_store(d), ["policy"], policy=pol)
    (r,) = report.results
    assert (r.code, r.focus, r.value) == ("POL-LOCAL-SHARE", "S-MTY/2024", "0.75")


def test_policy_local_subregion_on_the_demo(tmp_path, build_store):
    """The true 2024 share of S-ORV-MTY (Monterrey) on data/demo, local = M49 sub-region 419:
    purchases from MX, CL and the other Latin American supplier sites over all its purchases,
    hand-summed from purchases.csv and sites.csv below (0.276428)."""
    sites = {r["id"]: r["country"] for r in csv.DictReader((DEMO / "sites.csv").open(encoding="utf-8"))}
    latam = {"MX", "CL", "BR", "AR", "PE", "CO", "GT"}
    units = {"kg": 1.0, "t": 1000.0, "g": 0.001, "lb": 0.45359237}
    total = local = 0.0
    for r in csv.DictReader((DEMO / "purchases.csv").open(encoding="utf-8")):
        if r["buyer_site"] == "S-ORV-MTY" and r["date"].startswith("2024"):
            kg = float(r["quantity"]) * units[r["unit"]]
            total += kg
            local += kg if sites[r["supplier_site"]] in latam else 0.0
    assert round(local / total, 3) == 0.276
    report = validate(build_store(DEMO), ["policy"], policy=DEMO / "policy.yaml")
    (r,) = [r for r in report.results if r.focus == "S-ORV-MTY/2024"]
    assert float(r.value) == pytest.approx(local / total, abs=1e-6)


def test_policy_hhi_is_in_points(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("rules:\n  - rule: max_supplier_hhi\n    max: 0.6\n", encoding="utf-8")
    with pytest.raises(ShapesError, match="HHI in points.*0.6 looks like a 0-1 fraction: write 6,000"):
        load_policy(bad)
    bad.write_text("rules:\n  - rule: max_supplier_hhi\n    max: 12000\n", encoding="utf-8")
    with pytest.raises(ShapesError, match="at most 10,000"):
        load_policy(bad)


# ---------------------------------------------------------------- HHI and settings
def test_hhi_points_and_bands():
    """DOJ example 30/30/20/20 -> 2,600; 2,000 points is high under 2023 (> 1,800) and moderate
    under 2010 (1,500-2,500); 1,000 is moderate under 2023, unconcentrated under 2010."""
    assert hhi_points([30, 30, 20, 20]) == pytest.approx(2600)
    assert (bands().name, bands().moderate_from, bands().high_above) == ("doj-2023", 1000, 1800)
    assert (bands("doj-2010").moderate_from, bands("doj-2010").high_above) == (1500, 2500)
    assert [bands().band(x) for x in (999, 1000, 1800, 1801, 2000)] == [
        "unconcentrated", "moderate", "moderate", "high", "high"]
    assert [bands("doj-2010").band(x) for x in (1000, 2000, 2501)] == ["unconcentrated", "moderate", "high"]


def test_settings_file(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("hhi_guidelines: doj-2010\nppwr_implementing_act: 2027-06-30\n"
                 "evidence:\n  eu-batteries:\n    kinds: [post_consumer]\n    chains_of_custody: [segregated]\n",
                 encoding="utf-8")
    s = load_settings(f)
    assert s.hhi_guidelines == "doj-2010" and s.start(date(2030, 1, 1), "ppwr_implementing_act") == date(2030, 6, 30)
    assert s.evidence["eu-batteries"].kinds == ("post_consumer",) and s.evidence["eu-ppwr"].certificate_required
    assert add_months(date(2026, 8, 31), 24) == date(2028, 8, 31) and add_months(date(2028, 2, 29), 36) == date(2031, 2, 28)
    for text, msg in (("hhi_guidelines: doj-1982\n", "doj-2023, doj-2010"), ("ppwr_act: 2027-01-01\n", "unknown setting"),
                      ("ppwr_implementing_act: soon\n", "is a date"),
                      ("evidence:\n  eu-ppwr:\n    chains_of_custody: [trust_me]\n", "chains_of_custody")):
        f.write_text(text, encoding="utf-8")
        with pytest.raises(ShapesError, match=msg):
            load_settings(f)


def test_cli_settings_and_hhi_bands(tmp_path):
    out = tmp_path / "out"
    settings = tmp_path / "s.yaml"
    settings.write_text("hhi_guidelines: doj-2010\nppwr_implementing_act: 2027-06-30\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(DEMO), "--out", str(out), "--settings", str(settings)])
    assert res.exit_code == 0, res.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["meta"]["hhi_guidelines"] == "doj-2010" and metrics["meta"]["hhi_thresholds"] == [1500, 2500]
    res = CliRunner().invoke(main, ["validate", "--store", str(out / "store"), "--profile", "eu-ppwr", "--as-of",
                                    "2030-03-01", "--settings", str(settings), "--format", "json"])
    assert res.exit_code == 0  # the 2030 minimums wait for 2030-06-30 (act + 3 years)
    # Without --settings the store's recorded settings (run's) apply: the same answer as run's.
    res = CliRunner().invoke(main, ["validate", "--store", str(out / "store"), "--profile", "eu-ppwr", "--as-of",
                                    "2030-03-01", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["context"]["settings"]["source"] == "recorded in the store"
    defaults = tmp_path / "defaults.yaml"  # an empty settings file: the defaults, overriding the record
    defaults.write_text("", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", "--store", str(out / "store"), "--profile", "eu-ppwr", "--as-of",
                                    "2030-03-01", "--settings", str(defaults), "--format", "json"])
    assert res.exit_code == 1 and "PPWR-7-A" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("hhi_guidelines: 2010\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", "--store", str(out / "store"), "--settings", str(bad)])
    assert res.exit_code == 2 and "hhi_guidelines" in res.output


# ---------------------------------------------------------------- one definition, every output
def test_crma_and_hhi_agree_across_outputs(tmp_path):
    """On data/demo: validation.json (CRMA-65), the catalogue queries critical-materials-by-country
    and concentration, the scenario baseline and metrics.json give the same figures."""
    from loopsource.analysis.snapshot import read_snapshot
    from loopsource.pipeline import run
    from loopsource.query import bind, resolve
    from loopsource.scenario import load_factors
    from loopsource.scenario.indicators import indicators
    from loopsource.store import EmbeddedStore

    res = run(DEMO, tmp_path / "out")
    metrics = json.loads(res.metrics_path.read_text(encoding="utf-8"))
    validation = json.loads(res.validation_path.read_text(encoding="utf-8"))
    store = EmbeddedStore(res.store_path)
    q = resolve("critical-materials-by-country")
    rows = store.select(q.text, bind(q, [])).values()
    c = resolve("concentration")
    conc = {r["material"]: r for r in store.select(c.text, bind(c, [])).values()}
    baseline = indicators(read_snapshot(store), load_factors(None))
    store.close()

    from_query: dict[str, tuple[float, str | None]] = {}
    for r in rows:
        key = f"{r['entry']}/{r['year']}"
        best = from_query.get(key, (0.0, None))
        if r["third_country"] and float(r["share"]) > best[0]:
            best = (float(r["share"]), r["country"])
        from_query[key] = best
    from_metrics = {k: (v["share"], v["country"]) for k, v in metrics["resilience"]["crma"].items()}
    from_scenario = {f"{e}/{y}": (v["share"], v["country"]) for e, ys in baseline["crma"].items() for y, v in ys.items()}
    assert set(from_query) == set(from_metrics) == set(from_scenario) and "BatteryGradeLithium/2024" in from_query
    for key, (share, country) in from_metrics.items():
        assert from_query[key][0] == pytest.approx(share, abs=1e-9) and from_query[key][1] == country
        assert from_scenario[key] == (pytest.approx(share, abs=1e-12), country)
    flagged = {r["focus"]: float(r["value"]) for r in validation["results"] if r["code"] == "CRMA-65"}
    assert flagged == {k: pytest.approx(v[0], abs=1e-6) for k, v in from_metrics.items() if v[0] > 0.65}
    assert {k for k, v in metrics["resilience"]["crma"].items() if v["exceeds"]} == set(flagged)
    for m, hhi in metrics["resilience"]["supplier_hhi"].items():
        assert float(conc[m]["supplier_hhi"]) == pytest.approx(hhi, rel=1e-9)
        assert float(conc[m]["country_hhi"]) == pytest.approx(metrics["resilience"]["country_hhi"][m], rel=1e-9)
        assert baseline["resilience"]["supplier_hhi"][m] == pytest.approx(hhi, rel=1e-9)


def test_demo_shows_a_finding_and_a_pass_per_profile(tmp_path):
    """Each EU profile on data/demo: at least one finding and one in-scope pass, and the report's
    compliance section lists scope and evidence per unit."""
    from loopsource.pipeline import run

    res = run(DEMO, tmp_path / "out")
    found = {r.profile for r in res.validation.results if r.severity in ("violation", "warning")}
    assert {"data-quality", "eu-crma", "eu-batteries", "eu-ppwr", "esrs-e5", "policy"} <= found
    passes = {a.profile for a in res.validation.assessments if a.status == "pass"}
    assert {"eu-crma", "eu-batteries", "eu-ppwr"} <= passes
    out_of_scope = {a.focus for a in res.validation.assessments if a.status == "not assessed"}
    assert {"P-ORV-ESS2"} <= out_of_scope  # exactly 2 kWh
    html = res.report_path.read_text(encoding="utf-8")
    assert 'id="compliance-assessments"' in html and "P-ORV-EVB75/S-ORV-LYO/2025" in html
    assert "industrial battery of 2 kWh" in html


def test_product_without_plant_is_assessed_over_all_sites_and_reported(tmp_path, build_store):
    """PPWR-7-DATA / BATT-8-DATA: no plant -> one unit over all buyer sites, and a warning;
    with a plant (the valid twin) neither."""
    mats = MATERIALS + [{"id": "M-PP", "name": "PP", "class": "PP", "grade": "", "element_share": ""}]
    rows = [purchase("PO-PET", "DE", "M-PET", 10, 0.31), purchase("PO-LI", "DE", "M-LI", 10, 0.10)]
    products = [bat("P-TRAY", "packaging_pet_contact_sensitive", plant=""), bat("P-B", "ev_battery", plant="")]
    d = dataset(tmp_path, rows, products, bom("P-TRAY", ("M-PET", 1)) + bom("P-B", ("M-LI", 1)))
    write_csv(d / "materials.csv", mats)
    report = validate(build_store(d), ["eu-ppwr", "eu-batteries"], as_of=date(2031, 8, 18))
    assert {(r.code, r.focus) for r in report.results if r.severity != "info"} == {
        ("PPWR-7-DATA", "P-TRAY"), ("BATT-8-DATA", "P-B")}
    assert {a.focus for a in report.assessments if a.status == "pass"} == {"P-TRAY/all plants/2024",
                                                                         "P-B/all plants/2024"}


def test_generated_data_uses_the_closed_category_list(tmp_path):
    """The generator's products (every one of them, at any size) load under the closed list."""
    from loopsource.devdata.generate import generate
    from loopsource.rdf.vocab import code_lists

    generate(tmp_path / "g", 40)
    cats = {r["category"] for r in csv.DictReader((tmp_path / "g" / "products.csv").open(encoding="utf-8"))}
    assert cats and cats <= set(code_lists().product_categories)
    assert load_directory(tmp_path / "g").rows["products.csv"] >= len(cats)
