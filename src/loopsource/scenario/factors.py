"""Transport emission factors: the packaged defaults (data/emissions.yaml), overridable per run.

The factor file is YAML like a scenario file and is read with the same line-keeping composer,
so that an error names ``FILE:LINE``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..resources import emission_factors_text
from .parse import TRANSPORT_MODES, compose_yaml, err_at, read_yaml_file


@dataclass(frozen=True)
class EmissionFactors:
    version: str
    g_per_tkm: Mapping[str, float | None]  # transport mode -> g CO2e per tonne-km (None: no factor)
    sources: Mapping[str, str]


def _read_factors(text: str, file: str, base: EmissionFactors | None) -> EmissionFactors:
    root = compose_yaml(text, file)
    if root is None or not isinstance(root.value, dict) or "modes" not in root.value:
        raise err_at(file, root.line if root else 1, "an emission-factor file is a mapping with 'modes'")
    modes = root.value["modes"]
    if not isinstance(modes.value, dict):
        raise err_at(file, modes.line, "modes must map a transport mode to a factor")
    g = dict(base.g_per_tkm) if base else {}
    src = dict(base.sources) if base else {}
    for mode, y in modes.value.items():
        if mode not in TRANSPORT_MODES:
            raise err_at(file, y.line, f"unknown transport mode {mode!r}; known: {', '.join(TRANSPORT_MODES)}")
        value, source = (y.value.get("g_per_tkm"), y.value.get("source")) if isinstance(y.value, dict) else (y, None)
        if value is None or value.value is None:
            g[mode] = None
        else:
            v = value.value
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise err_at(file, value.line, f"{mode}: g_per_tkm must be a number >= 0, not {v!r}")
            g[mode] = float(v)
        src[mode] = str(source.value) if source is not None else f"{file}"
    version = root.value.get("version")
    name = str(version.value) if version is not None else file
    if base is not None:
        name = f"{base.version} overridden by {name}"
    return EmissionFactors(name, g, src)


def load_factors(path: Path | str | None = None) -> EmissionFactors:
    """The packaged defaults (src/loopsource/data/emissions.yaml), overridden by ``path``."""
    factors = _read_factors(emission_factors_text(), "emissions.yaml", None)
    if path is not None:
        path = Path(path)
        text = read_yaml_file(path, "emission factors")
        factors = _read_factors(text, str(path), factors)
    return factors
