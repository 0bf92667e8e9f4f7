"""Shared data of the passport tests: a small battery maker written out as CSV files, built stores,
and the UNTP reference files of ../shared/untp (GPL-3.0: used from there, never copied).

The battery data (``write_battery_data``), every number chosen so that the figures can be
worked out by hand (the tests write their hand computations in their docstrings):

* plants S-P1 (FR, 45.0 N 5.0 E) and S-P2 (PL) of ORG-M "Maker SA";
* supplier sites S-CN (CN, 30 N 114 E), S-FI (FI, 61 N 22 E), S-CL (CL), S-FR (FR, 46 N 5 E);
* P-EV: an EV battery made at S-P1: 2 kg M-CO (Cobalt), 3 kg M-NI (Nickel), 1 kg M-LI
  (Lithium), 4 kg M-AL (Aluminium), 2 kg M-CU (Copper, never bought); M = 12 kg;
  C_R 0.8, C_U 0, E_C 0.9, E_F 0.9, lifetime 10 of 10 years;
* P-IND: an industrial battery of 1.5 kWh made at S-P1 (1 kg M-CO, 1 kg M-AL);
* P-IND2: an industrial battery without capacity_kwh (1 kg M-LI), no plant;
* purchases (all in 2024; kg, recycled share, pre, post, mode):
  PO-1 S-P1 <- S-CN M-CO 600, 0.10, 0.04, 0.06, sea, mass_balance, ISCC-PLUS:CO-1;
  PO-2 S-P1 <- S-FI M-CO 400, 0.30, 0.10, 0.20, road, segregated, RMI:CO-2;
  PO-3 S-P1 <- S-FI M-NI 1000, 0.20, 0.20, 0 (given), road;
  PO-4 S-P1 <- S-FI M-NI 1000, 0.10, no split, road;
  PO-5 S-P2 <- S-CL M-LI 500, 0 (so pre = post = 0), sea;
  PO-6 S-P2 <- S-CN M-LI 500, 0.04, 0.04, 0, sea;
  PO-7 S-P1 <- S-FR M-AL 2000, 0.5 (reused 0.1), no split, road;
  PO-8 S-P2 <- S-FR M-AL 1000, 0.2, no split, road (another plant: not P-EV's basis).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from loopsource.load.build import build
from loopsource.store import EmbeddedStore

from ..conftest import DEMO, write_csvs

REPO = Path(__file__).resolve().parents[2]
UNTP = REPO.parent / "shared" / "untp"
CONTEXT_FILES = {"https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
                 "https://test.uncefact.org/vocabulary/untp/dpp/working/": "untp-dpp-context.jsonld",
                 "https://test.uncefact.org/vocabulary/untp/core/working/": "untp-core-context.jsonld"}


def untp_dir() -> Path:
    """../shared/untp: missing is a failure in CI (CI=true), a skip on a developer's machine."""
    if (UNTP / "untp-dpp-schema.json").is_file():
        return UNTP
    message = f"the UNTP reference files are missing ({UNTP}); CI keeps a copy of shared/ beside the clone"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def untp() -> Path:
    return untp_dir()


@pytest.fixture(scope="session")
def untp_schema(untp: Path) -> dict:
    return json.loads((untp / "untp-dpp-schema.json").read_text(encoding="utf-8"))


def offline_loader(untp: Path):
    """A pyld document loader that serves the three context URLs from ../shared/untp and
    refuses every other URL (nothing is ever fetched)."""
    docs = {url: json.loads((untp / name).read_text(encoding="utf-8")) for url, name in CONTEXT_FILES.items()}

    def load(url: str, options: dict | None = None) -> dict:
        if url not in docs:
            raise RuntimeError(f"offline loader: refusing to fetch {url}")
        return {"contextUrl": None, "documentUrl": url, "document": docs[url]}

    return load


ORGS = [dict(id="ORG-M", name="Maker SA", role="buyer", country="FR"),
        dict(id="ORG-A", name="Hunan Cobalt", role="supplier", country="CN"),
        dict(id="ORG-B", name="Suomi Metals", role="supplier", country="FI"),
        dict(id="ORG-C", name="Atacama Litio", role="supplier", country="CL"),
        dict(id="ORG-D", name="Alu Rhône", role="supplier", country="FR")]
SITES = [dict(id="S-P1", organisation="ORG-M", name="Maker Lyon plant", country="FR", lat=45.0, lon=5.0, kind="plant"),
         dict(id="S-P2", organisation="ORG-M", name="Maker Łódź plant", country="PL", lat=52.0, lon=19.0, kind="plant"),
         dict(id="S-CN", organisation="ORG-A", name="Hunan works", country="CN", lat=30.0, lon=114.0, kind="supplier_site"),
         dict(id="S-FI", organisation="ORG-B", name="Kokkola works", country="FI", lat=61.0, lon=22.0, kind="supplier_site"),
         dict(id="S-CL", organisation="ORG-C", name="Antofagasta works", country="CL", lat=-22.0, lon=-69.0,
              kind="supplier_site"),
         dict(id="S-FR", organisation="ORG-D", name="Rhône works", country="FR", lat=46.0, lon=5.0, kind="supplier_site")]
MATERIALS = [dict(id="M-CO", name="Cobalt sulphate", **{"class": "Cobalt"}),
             dict(id="M-NI", name="Nickel sulphate", **{"class": "Nickel"}),
             dict(id="M-LI", name="Lithium hydroxide", **{"class": "Lithium"}),
             dict(id="M-AL", name="Aluminium sheet", **{"class": "Aluminium"}),
             dict(id="M-CU", name="Copper foil", **{"class": "Copper"})]


def _product(pid: str, name: str, category: str, plant: str, kwh: str) -> dict:
    return dict(id=pid, name=name, lifetime_years=10, industry_lifetime_years=10, use_intensity="",
                industry_use_intensity="", collection_recycling_share=0.8, collection_reuse_share=0,
                recycling_efficiency_eol=0.9, recycling_efficiency_feedstock=0.9, category=category, plant=plant,
                capacity_kwh=kwh)


PRODUCTS = [_product("P-EV", "EV pack <60 kWh>", "ev_battery", "S-P1", "60"),
            _product("P-IND", "Storage module", "industrial_battery", "S-P1", "1.5"),
            _product("P-IND2", "Storage module, capacity not given", "industrial_battery", "", "")]
BOM = [dict(product="P-EV", material="M-CO", mass_kg=2), dict(product="P-EV", material="M-NI", mass_kg=3),
       dict(product="P-EV", material="M-LI", mass_kg=1), dict(product="P-EV", material="M-AL", mass_kg=4),
       dict(product="P-EV", material="M-CU", mass_kg=2),
       dict(product="P-IND", material="M-CO", mass_kg=1), dict(product="P-IND", material="M-AL", mass_kg=1),
       dict(product="P-IND2", material="M-LI", mass_kg=1)]


def _po(n: int, buyer: str, supplier: str, material: str, kg: float, rec: float, reused: float, mode: str,
        pre: object = "", post: object = "", coc: str = "", cert: str = "") -> dict:
    return dict(id=f"PO-{n}", date=f"2024-0{n}-10", buyer_site=buyer, supplier_site=supplier, material=material,
                quantity=kg, unit="kg", spend="", currency="", recycled_share=rec, reused_share=reused,
                transport_mode=mode, recycled_pre_consumer_share=pre, recycled_post_consumer_share=post,
                chain_of_custody=coc, certificate=cert)


PURCHASES = [_po(1, "S-P1", "S-CN", "M-CO", 600, 0.10, 0, "sea", 0.04, 0.06, "mass_balance", "ISCC-PLUS:CO-1"),
             _po(2, "S-P1", "S-FI", "M-CO", 400, 0.30, 0, "road", 0.10, 0.20, "segregated", "RMI:CO-2"),
             _po(3, "S-P1", "S-FI", "M-NI", 1000, 0.20, 0, "road", 0.20, 0),
             _po(4, "S-P1", "S-FI", "M-NI", 1000, 0.10, 0, "road"),
             _po(5, "S-P2", "S-CL", "M-LI", 500, 0, 0, "sea"),
             _po(6, "S-P2", "S-CN", "M-LI", 500, 0.04, 0, "sea", 0.04, 0),
             _po(7, "S-P1", "S-FR", "M-AL", 2000, 0.5, 0.1, "road"),
             _po(8, "S-P2", "S-FR", "M-AL", 1000, 0.2, 0, "road")]


def write_battery_data(directory: Path) -> Path:
    return write_csvs(directory, {"organisations.csv": ORGS, "sites.csv": SITES, "materials.csv": MATERIALS,
                                  "products.csv": PRODUCTS, "bom.csv": BOM, "purchases.csv": PURCHASES})


@pytest.fixture(scope="session")
def battery_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_battery_data(tmp_path_factory.mktemp("battery") / "data")


@pytest.fixture(scope="session")
def battery_store(tmp_path_factory: pytest.TempPathFactory, battery_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("battery-store") / "store"
    build(battery_dir, root)
    return root


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo-store") / "store"
    build(DEMO, root)
    return root


@pytest.fixture(scope="session")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of generated data (loopsource generate, small, fixed seed)."""
    from loopsource.devdata.generate import generate

    data = tmp_path_factory.mktemp("generated") / "data"
    generate(data, suppliers=40, seed=11)
    root = tmp_path_factory.mktemp("generated-store") / "store"
    build(data, root)
    return root


def open_read_only(root: Path) -> EmbeddedStore:
    return EmbeddedStore(root, read_only=True)


def copy_demo(target: Path) -> Path:
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("scenarios", "tender"))
    return target
