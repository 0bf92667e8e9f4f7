"""The one place tests build organisations, sites and purchases.

Two kinds of test data:

* **CSV rows** (``org_row``, ``site_row``, ``material_row``, ``purchase_row``): dicts with the
  columns of the input contract (``loopsource.load.contract``), sensible defaults, every column
  overridable by keyword; extra keywords add optional columns (evidence columns, ``grade`` ...).
  ``write_csvs`` writes a data directory from them, ``write_csv`` rewrites one file.
* **Snapshot records** (``site``, ``purchase``, ``product``, ``snapshot``): the frozen
  dataclasses of ``loopsource.analysis.snapshot``, for tests of pure functions (metrics,
  scenarios) that need no store.

A test that needs a particular value writes it in its own call, so the numbers a test asserts
stay next to the data that produce them; the defaults here are only the values no assertion
depends on.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from loopsource.analysis.snapshot import Loop, Material, Organisation, Product, Purchase, Site, Snapshot

Row = dict[str, object]


# ----------------------------------------------------------------------------- CSV rows
def org_row(id: str, *, name: str | None = None, role: str = "supplier", country: str = "FR", **extra: object) -> Row:
    """organisations.csv: the name defaults to the id."""
    return {"id": id, "name": id if name is None else name, "role": role, "country": country, **extra}


def site_row(id: str, *, organisation: str | None = None, name: str | None = None, country: str = "FR",
             lat: object = "", lon: object = "", kind: str = "supplier_site", **extra: object) -> Row:
    """sites.csv: the organisation defaults to ``O-<id>``, the name to the id, no coordinates."""
    return {"id": id, "organisation": organisation or "O-" + id, "name": id if name is None else name,
            "country": country, "lat": lat, "lon": lon, "kind": kind, **extra}


def material_row(id: str, *, name: str | None = None, cls: str = "Steel", **extra: object) -> Row:
    """materials.csv (``cls`` is the ``class`` column, a Python keyword)."""
    return {"id": id, "name": id if name is None else name, "class": cls, **extra}


def purchase_row(id: str, *, supplier_site: str, material: str, quantity: object, unit: str = "t",
                 date: str = "2024-03-01", buyer_site: str = "S-PLANT", spend: object = "", currency: str = "",
                 recycled_share: object = "", reused_share: object = "", transport_mode: str = "",
                 **extra: object) -> Row:
    """purchases.csv: the required columns; optional ones (lead_time_days, evidence) as keywords."""
    return {"id": id, "date": date, "buyer_site": buyer_site, "supplier_site": supplier_site, "material": material,
            "quantity": quantity, "unit": unit, "spend": spend, "currency": currency,
            "recycled_share": recycled_share, "reused_share": reused_share, "transport_mode": transport_mode,
            **extra}


def write_csv(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    """One CSV file, header from the first row's keys; None is written as an empty cell."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})
    return path


def write_csvs(directory: Path, files: Mapping[str, Sequence[Mapping[str, object]] | str]) -> Path:
    """Write CSV files: each value is either raw text or a list of row dicts (header from the first)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        if isinstance(rows, str):
            (directory / name).write_text(rows, encoding="utf-8")
        else:
            write_csv(directory / name, rows)
    return directory


def read_csv(path: Path) -> list[dict[str, str]]:
    """A CSV file's rows as dicts (to change a copied data set and write it back)."""
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ----------------------------------------------------------------------------- snapshot records
EU_COUNTRIES_USED = ("FR", "DE", "PL")  # the EU members the hand-made snapshots use


def site(id: str, country: str = "FR", region: str | None = "150", lat: float | None = None,
         lon: float | None = None, centroid: tuple[float, float] | None = None, org: str | None = None,
         kind: str = "supplier_site") -> Site:
    """A Site record: region 150 (Europe) by default, in the EU when the country is FR, DE or PL."""
    return Site(id=id, name=id, organisation=org or "O-" + id, kind=kind, country=country, region=region,
                region_name=None, subregion=None, in_eu=country in EU_COUNTRIES_USED, lat=lat, lon=lon,
                centroid_lat=centroid[0] if centroid else None, centroid_lon=centroid[1] if centroid else None)


def purchase(id: str, supplier: str, kg: float, material: str = "M1", buyer: str = "B", spend: float | None = None,
             currency: str | None = None, rec: float | None = 0.0, reu: float | None = 0.0,
             day: date = date(2024, 5, 1)) -> Purchase:
    """A Purchase record of ``kg`` kilograms (quantity and mass_kg alike, unit kg)."""
    return Purchase(id=id, date=day, buyer_site=buyer, supplier_site=supplier, material=material, quantity=kg,
                    unit="http://qudt.org/vocab/unit/KiloGM", mass_kg=kg, spend=spend, currency=currency,
                    recycled_share=rec, reused_share=reu, transport_mode=None, lead_time_days=None)


def product(bom: tuple[tuple[str, float], ...], c_r: float = 0.0, c_u: float = 0.0, e_c: float = 0.0,
            e_f: float = 0.0, L: float = 1.0, Lav: float = 1.0, U: float | None = None,
            Uav: float | None = None, id: str = "P1") -> Product:
    """A Product record in the MCI's notation (C_R, C_U, E_C, E_F, L, L_av, U, U_av)."""
    return Product(id=id, name=id, category=None, lifetime_years=L, industry_lifetime_years=Lav, use_intensity=U,
                   industry_use_intensity=Uav, collection_recycling_share=c_r, collection_reuse_share=c_u,
                   recycling_efficiency_eol=e_c, recycling_efficiency_feedstock=e_f, bom=bom)


def snapshot(sites: Iterable[Site], purchases: Iterable[Purchase], products: Iterable[Product] = (),
             loops: Iterable[Loop] = (), materials: dict[str, Material] | None = None,
             fx: dict[str, float] | None = None) -> Snapshot:
    """A Snapshot of these records; each purchased material a non-critical Steel, each site's
    organisation a supplier in the site's country, unless given."""
    sites, purchases = list(sites), list(purchases)
    mats = materials or {m: Material(m, m, "Steel", False, False, False) for m in {p.material for p in purchases}}
    orgs = {s.organisation: Organisation(s.organisation, s.organisation, "supplier", s.country) for s in sites}
    return Snapshot(orgs, {s.id: s for s in sites}, mats, tuple(purchases), tuple(loops),
                    {p.id: p for p in products}, fx=fx or {})
