"""Transport emission factors for scenarios, tenders and passports: the one factor table.

``EmissionFactors`` is :class:`loopsource.emission_factors.FactorTable` (kg CO2e per tonne-km,
WTW and TTW, per mode and vehicle class, with source, table, year and licence). The packaged
table (data/transport_factors.yaml, UK DESNZ 2026, Open Government Licence) is overridden by
key by the user's file (``--factors`` / ``--emission-factors FILE``, YAML or CSV; the layout is
documented in loopsource.emission_factors and docs/methodology.md). ``g_per_tkm`` gives the
WTW factor of each mode in g CO2e per tonne-km, the figure the network design prices with.
"""
from __future__ import annotations

from pathlib import Path

from ..emission_factors import FactorTable, load_table, packaged_table, read_table

EmissionFactors = FactorTable


def load_factors(path: Path | str | None = None, base: FactorTable | None = None) -> FactorTable:
    """``base`` (default: the packaged table), overridden by key by the file at ``path``."""
    if path is None:
        return base or packaged_table()
    if base is None:
        return load_table(path)
    load_table(path)  # the same checks (size, encoding, every problem at once) before the merge
    return read_table(Path(path).read_text(encoding="utf-8-sig"), str(path), base)


__all__ = ["EmissionFactors", "load_factors"]
