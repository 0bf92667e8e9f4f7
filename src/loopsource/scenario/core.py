"""What-if scenarios: nearshoring, reshoring, dual sourcing, disruption and loop changes.

A scenario is a YAML file with a name, a description and a list of operations. Each
operation is applied, in order, to a *copy* of the snapshot's purchase flows (records are
replaced with ``dataclasses.replace``; the store is never touched), and the baseline and
each scenario are then measured with the same functions (``loopsource.metrics`` for every
metric it offers, plus transport, lead time, spend and CRMA figures computed here), so
that the side-by-side deltas only reflect the operations.

Every error in a scenario file names the file and the line (``FILE:LINE: reason``): the
YAML is composed into nodes first so that each value keeps its line number.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..analysis import metrics
from ..errors import ScenarioError
from ..resources import emission_factors_text
from ..analysis.metrics import STRATEGIES, TIERS
from ..analysis.snapshot import Candidate, Loop, Product, Purchase, Site, Snapshot
from ..rdf.vocab import code_lists

TRANSPORT_MODES: tuple[str, ...] = tuple(code_lists().transport_modes)
#: CRMA (Regulation (EU) 2024/1252, Art. 5(1)(d)): no more than 65 % of the Union's annual
#: consumption of each strategic raw material from a single third country. Applied here to
#: the buyer's own purchases as a benchmark, per material and calendar year.
CRMA_MAX_SINGLE_COUNTRY_SHARE = 0.65
#: UN M49 regions (the top level the snapshot carries); names are accepted as well as codes.
M49_REGIONS: dict[str, str] = {"002": "Africa", "019": "Americas", "142": "Asia", "150": "Europe", "009": "Oceania"}
#: Product fields a `loop` operation may change (all shares or efficiencies in [0, 1]).
PRODUCT_RATES: tuple[str, ...] = ("collection_recycling_share", "collection_reuse_share",
                                  "recycling_efficiency_eol", "recycling_efficiency_feedstock")
_EPS = 1e-9


# ---------------------------------------------------------------------------------------
# YAML with line numbers
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Y:
    """A YAML value with the (1-based) line it starts on; mappings keep per-key lines."""

    value: Any
    line: int


def _compose(text: str, file: str) -> _Y | None:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _convert(node, loader, file)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise ScenarioError(f"{file}:{line}: not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"{file}: not valid YAML: {e}") from None
    finally:
        loader.dispose()


def _convert(node: yaml.Node, loader: yaml.SafeLoader, file: str) -> _Y:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Y] = {}
        for k, v in node.value:
            key = loader.construct_object(k, deep=True)
            if not isinstance(key, str):
                raise ScenarioError(f"{file}:{k.start_mark.line + 1}: keys must be text, not {key!r}")
            if key in out:
                raise ScenarioError(f"{file}:{k.start_mark.line + 1}: key {key!r} is given twice")
            out[key] = _convert(v, loader, file)
        return _Y(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Y([_convert(c, loader, file) for c in node.value], line)
    return _Y(loader.construct_object(node, deep=True), line)


# ---------------------------------------------------------------------------------------
# Scenario model
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One operation of a scenario. ``params`` holds the validated fields (ids, shares, ...);
    ``lines`` maps each field to its line in the file so that later checks against the data
    (unknown site, material, ...) can still name the line."""

    op: str  # shift | add-source | reshore | nearshore | disrupt | loop
    line: int
    params: Mapping[str, Any]
    lines: Mapping[str, int] = field(compare=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    file: str
    operations: tuple[Operation, ...]


# field name -> kind; kinds: id (text), share ([0,1]), mode, strategy, bool, number (>0)
_OP_FIELDS: dict[str, dict[str, str]] = {
    "shift": {"material": "id", "from_site": "id", "from_country": "id", "from_region": "id", "to": "id",
              "share": "share", "buyer": "id", "transport_mode": "mode"},
    "add-source": {"material": "id", "candidate": "id", "share": "share", "buyer": "id", "transport_mode": "mode"},
    "reshore": {"material": "id", "share": "share", "buyer": "id", "transport_mode": "mode"},
    "nearshore": {"material": "id", "share": "share", "buyer": "id", "transport_mode": "mode"},
    "disrupt": {"country": "id", "region": "id", "resupply": "bool"},
    "loop": {"product": "id", "material": "id", **{f: "share" for f in PRODUCT_RATES},
             "lifetime_years": "number", "recycled_share": "share", "reused_share": "share",
             "outflow_from": "strategy", "outflow_to": "strategy", "outflow_share": "share"},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "shift": ("material", "to", "share"), "add-source": ("material", "candidate", "share"),
    "reshore": (), "nearshore": (), "disrupt": (), "loop": (),
}


def _err(file: str, line: int, reason: str) -> ScenarioError:
    return ScenarioError(f"{file}:{line}: {reason}")


def _value(kind: str, name: str, y: _Y, file: str) -> Any:
    v = y.value
    if kind == "id":
        if isinstance(v, bool) or not isinstance(v, (str, int)) or str(v).strip() == "":
            raise _err(file, y.line, f"{name} must be an id (text), not {v!r}")
        return str(v).strip()
    if kind in ("share", "number"):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise _err(file, y.line, f"{name} must be a number, not {v!r}")
        v = float(v)
        if kind == "share" and not 0.0 <= v <= 1.0:
            raise _err(file, y.line, f"{name} {v:g} is {'above 1' if v > 1 else 'below 0'}; shares are fractions in [0, 1]")
        if kind == "number" and v <= 0:
            raise _err(file, y.line, f"{name} must be above 0, not {v:g}")
        return v
    if kind == "bool":
        if not isinstance(v, bool):
            raise _err(file, y.line, f"{name} must be true or false, not {v!r}")
        return v
    if kind == "mode":
        if v not in TRANSPORT_MODES:
            raise _err(file, y.line, f"{name} {v!r} is not one of {', '.join(TRANSPORT_MODES)}")
        return v
    if kind == "strategy":
        if v not in STRATEGIES:
            raise _err(file, y.line, f"{name} {v!r} is not one of {', '.join(STRATEGIES)}")
        return v
    raise AssertionError(kind)  # pragma: no cover - the table above is closed


def _parse_operation(y: _Y, file: str) -> Operation:
    if not isinstance(y.value, dict):
        raise _err(file, y.line, "each operation must be a mapping with an 'op' key")
    fields_ = y.value
    if "op" not in fields_:
        raise _err(file, y.line, "operation without 'op' (one of " + ", ".join(_OP_FIELDS) + ")")
    op = fields_["op"].value
    if op not in _OP_FIELDS:
        raise _err(file, fields_["op"].line, f"unknown operation {op!r}; known: {', '.join(_OP_FIELDS)}")
    spec = _OP_FIELDS[op]
    params: dict[str, Any] = {}
    lines: dict[str, int] = {"op": fields_["op"].line}
    for name, fy in fields_.items():
        if name == "op":
            continue
        if name not in spec:
            raise _err(file, fy.line, f"{op}: unknown field {name!r}; allowed: {', '.join(spec)}")
        params[name] = _value(spec[name], name, fy, file)
        lines[name] = fy.line
    for name in _REQUIRED[op]:
        if name not in params:
            raise _err(file, y.line, f"{op}: missing field {name!r}")
    line = y.line
    if op == "shift":
        given = [k for k in ("from_site", "from_country", "from_region") if k in params]
        if len(given) != 1:
            raise _err(file, line, "shift: give exactly one of from_site, from_country, from_region")
    elif op == "disrupt":
        if ("country" in params) == ("region" in params):
            raise _err(file, line, "disrupt: give exactly one of country, region")
    elif op == "loop":
        if ("product" in params) == ("material" in params):
            raise _err(file, line, "loop: give exactly one of product, material")
        product_fields = set(PRODUCT_RATES) | {"lifetime_years"}
        if "product" in params:
            wrong = [k for k in params if k not in product_fields | {"product"}]
            if wrong:
                raise _err(file, lines[wrong[0]], f"loop: {wrong[0]!r} applies to a material, not a product")
            if len(params) == 1:
                raise _err(file, line, "loop: nothing to change; give one of " + ", ".join(sorted(product_fields)))
        else:
            wrong = [k for k in params if k in product_fields]
            if wrong:
                raise _err(file, lines[wrong[0]], f"loop: {wrong[0]!r} applies to a product, not a material")
            outflow = [k for k in ("outflow_from", "outflow_to", "outflow_share") if k in params]
            if outflow and len(outflow) != 3:
                raise _err(file, line, "loop: outflow_from, outflow_to and outflow_share go together")
            if len(params) == 1:
                raise _err(file, line, "loop: nothing to change; give recycled_share, reused_share or outflow_*")
    elif op in ("reshore", "nearshore"):
        params.setdefault("share", 1.0)
    return Operation(op, line, params, lines)


def parse_scenario(path: Path | str, text: str | None = None) -> Scenario:
    """Read and check the form of a scenario file (references are checked by ``check_scenario``)."""
    path = Path(path)
    file = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ScenarioError(f"{file}: cannot read scenario file: {e.strerror or e}") from None
        except UnicodeDecodeError:
            raise ScenarioError(f"{file}: scenario file is not UTF-8 text") from None
    root = _compose(text, file)
    if root is None or not isinstance(root.value, dict):
        raise _err(file, root.line if root else 1, "a scenario is a mapping with name, description and operations")
    top = root.value
    for key, y in top.items():
        if key not in ("name", "description", "operations"):
            raise _err(file, y.line, f"unknown field {key!r}; a scenario has name, description, operations")
    for key in ("name", "operations"):
        if key not in top:
            raise _err(file, root.line, f"missing field {key!r}")
    name = top["name"]
    if not isinstance(name.value, str) or not name.value.strip():
        raise _err(file, name.line, "name must be non-empty text")
    desc = top.get("description", _Y("", root.line))
    if desc.value is None:
        desc = _Y("", desc.line)
    if not isinstance(desc.value, str):
        raise _err(file, desc.line, "description must be text")
    ops = top["operations"]
    if not isinstance(ops.value, list) or not ops.value:
        raise _err(file, ops.line, "operations must be a non-empty list")
    return Scenario(name.value.strip(), desc.value.strip(), file, tuple(_parse_operation(o, file) for o in ops.value))


# ---------------------------------------------------------------------------------------
# Checks against the data
# ---------------------------------------------------------------------------------------


def _region_names(snapshot: Snapshot) -> dict[str, str]:
    """Lower-cased region name or code -> M49 region code (plus 'eu' -> 'EU')."""
    names = {code: code for code in M49_REGIONS}
    names.update({n.lower(): code for code, n in M49_REGIONS.items()})
    for s in snapshot.sites.values():
        if s.region:
            names[s.region] = s.region
            if s.region_name:
                names[s.region_name.lower()] = s.region
        if s.subregion:
            names[s.subregion] = "sub:" + s.subregion
    names["eu"] = "EU"
    return names


def region_matcher(value: str, snapshot: Snapshot) -> Callable[[Site], bool] | None:
    """A predicate for sites in a region given as an M49 region code or name, a sub-region
    code, or EU; None when the region is unknown."""
    code = _region_names(snapshot).get(value.lower(), _region_names(snapshot).get(value))
    if code is None:
        return None
    if code == "EU":
        return lambda s: s.in_eu
    if code.startswith("sub:"):
        sub = code[4:]
        return lambda s: s.subregion == sub
    return lambda s: s.region == code


def check_scenario(scenario: Scenario, snapshot: Snapshot) -> None:
    """Every id a scenario names must exist in the data; raise ScenarioError naming the line."""
    file = scenario.file
    countries = {s.country for s in snapshot.sites.values()}
    candidates = {(c.site, c.material) for c in snapshot.candidates}
    for op in scenario.operations:
        def line(key: str) -> int:
            return op.lines.get(key, op.line)

        def need(key: str, known: Iterable[str], what: str) -> None:
            v = op.get(key)
            if v is not None and v not in known:
                raise _err(file, line(key), f"{op.op}: unknown {what} {v!r}")

        need("material", snapshot.materials, "material")
        need("buyer", snapshot.sites, "site")
        need("from_site", snapshot.sites, "site")
        need("to", snapshot.sites, "site")
        need("candidate", snapshot.sites, "site")
        need("product", snapshot.products, "product")
        for key in ("from_country", "country"):
            v = op.get(key)
            if v is not None and v.upper() not in countries:
                raise _err(file, line(key), f"{op.op}: unknown country {v!r} (no site of the data is located there)")
        for key in ("from_region", "region"):
            v = op.get(key)
            if v is not None and region_matcher(v, snapshot) is None:
                raise _err(file, line(key), f"{op.op}: unknown region {v!r}; use an M49 region code or name "
                                            f"({', '.join(f'{c} {n}' for c, n in M49_REGIONS.items())}), "
                                            "a sub-region code, or EU")
        if op.op == "add-source" and (op.get("candidate"), op.get("material")) not in candidates:
            raise _err(file, line("candidate"), f"add-source: site {op.get('candidate')!r} is not a candidate for "
                                                f"material {op.get('material')!r} in candidates.csv")


def load_scenario(path: Path | str, snapshot: Snapshot) -> Scenario:
    scenario = parse_scenario(path)
    check_scenario(scenario, snapshot)
    return scenario


# ---------------------------------------------------------------------------------------
# Emission factors
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmissionFactors:
    version: str
    g_per_tkm: Mapping[str, float | None]  # transport mode -> g CO2e per tonne-km (None: no factor)
    sources: Mapping[str, str]


def _read_factors(text: str, file: str, base: EmissionFactors | None) -> EmissionFactors:
    root = _compose(text, file)
    if root is None or not isinstance(root.value, dict) or "modes" not in root.value:
        raise _err(file, root.line if root else 1, "an emission-factor file is a mapping with 'modes'")
    modes = root.value["modes"]
    if not isinstance(modes.value, dict):
        raise _err(file, modes.line, "modes must map a transport mode to a factor")
    g = dict(base.g_per_tkm) if base else {}
    src = dict(base.sources) if base else {}
    for mode, y in modes.value.items():
        if mode not in TRANSPORT_MODES:
            raise _err(file, y.line, f"unknown transport mode {mode!r}; known: {', '.join(TRANSPORT_MODES)}")
        value, source = (y.value.get("g_per_tkm"), y.value.get("source")) if isinstance(y.value, dict) else (y, None)
        if value is None or value.value is None:
            g[mode] = None
        else:
            v = value.value
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise _err(file, value.line, f"{mode}: g_per_tkm must be a number >= 0, not {v!r}")
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
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"{path}: cannot read emission factors: {e}") from None
        factors = _read_factors(text, str(path), factors)
    return factors


# ---------------------------------------------------------------------------------------
# Applying operations
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnmetDemand:
    """Demand of a plant for a material that lost its supply and found no replacement."""

    material: str
    plant: str
    kg: float
    remaining_sources: int  # supplier sites still delivering this material to this plant


@dataclass(frozen=True)
class OperationResult:
    index: int
    op: str
    line: int
    moved_kg: float  # volume moved to another supplier (shift, add-source, reshore, nearshore, resupply)
    removed_kg: float  # supply removed (disrupt)
    unmet_kg: float  # removed supply that found no candidate (disrupt)
    changed: int  # records changed (purchases, products or loops)
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    snapshot: Snapshot  # the modified copy
    operations: tuple[OperationResult, ...]
    unmet_demand: tuple[UnmetDemand, ...]


class _State:
    """Mutable working copy used while operations run; frozen into a Snapshot at the end."""

    def __init__(self, snapshot: Snapshot, file: str):
        self.snap = snapshot
        self.file = file  # the scenario file, for errors found while applying
        self.purchases: list[Purchase] = list(snapshot.purchases)
        self.products: dict[str, Product] = dict(snapshot.products)
        self.loops: list[Loop] = list(snapshot.loops)
        self.cand: dict[tuple[str, str], Candidate] = {(c.site, c.material): c for c in snapshot.candidates}
        # Candidate capacity is extra capacity available to this buyer, shared by all the
        # operations of one scenario (two operations cannot both use the same kilograms).
        self.capacity: dict[tuple[str, str], float] = {k: c.capacity_kg for k, c in self.cand.items()}
        self.unmet: dict[tuple[str, str], float] = {}
        self.serial = 0
        self._ranked: dict[tuple[str, str], list[Candidate]] = {}

    def site(self, site_id: str) -> Site:
        return self.snap.sites[site_id]

    def move(self, p: Purchase, to_site: str, kg: float, mode: str | None) -> tuple[Purchase | None, Purchase]:
        """Split ``kg`` of purchase ``p`` off to supplier ``to_site``: (remainder or None, moved)."""
        self.serial += 1
        frac = kg / p.mass_kg if p.mass_kg else 0.0
        cand = self.cand.get((to_site, p.material))
        if cand is not None and cand.unit_price is not None:
            spend, currency = kg * cand.unit_price, cand.currency
        else:
            spend = None if p.spend is None else p.spend * frac
            currency = p.currency
        lead = cand.lead_time_days if cand is not None and cand.lead_time_days is not None else p.lead_time_days
        moved = replace(p, id=f"{p.id}~{self.serial}", supplier_site=to_site, quantity=p.quantity * frac,
                        mass_kg=kg, spend=spend, currency=currency, lead_time_days=lead,
                        transport_mode=mode or self.default_mode(p, to_site))
        rest_kg = p.mass_kg - kg
        rest = None if rest_kg <= _EPS * max(1.0, p.mass_kg) else replace(
            p, quantity=p.quantity * (1 - frac), mass_kg=rest_kg,
            spend=None if p.spend is None else p.spend * (1 - frac))
        return rest, moved

    def default_mode(self, p: Purchase, to_site: str) -> str | None:
        # Moved volume from inside the buyer's M49 region goes by road unless the operation
        # says otherwise; intercontinental volume keeps the mode it had.
        buyer, new = self.site(p.buyer_site), self.site(to_site)
        if buyer.region is not None and buyer.region == new.region:
            return "road"
        return p.transport_mode

    def take_capacity(self, site: str, material: str, wanted: float) -> float:
        key = (site, material)
        if key not in self.capacity:
            return wanted
        got = min(wanted, self.capacity[key])
        self.capacity[key] -= got
        return got

    def km(self, a: str, b: str) -> float:
        pa, pb = metrics.site_position(self.site(a)), metrics.site_position(self.site(b))
        if pa is None or pb is None:
            return math.inf
        return metrics.haversine_km(pa[0], pa[1], pb[0], pb[1])

    def price(self, c: Candidate) -> float:
        if c.unit_price is None:
            return math.inf
        rate = self.snap.fx.get(c.currency or "", 1.0)
        return c.unit_price * rate

    def ranked(self, material: str, buyer: str, where: Callable[[Site], bool], exclude: str) -> list[Candidate]:
        """Candidates for a material inside an area: nearest to the buyer first, then cheapest."""
        key = (material, buyer)
        ranked = self._ranked.get(key)
        if ranked is None:  # sorted once per material and plant; the area filter is cheap
            cands = [c for c in self.snap.candidates if c.material == material and c.site in self.snap.sites]
            ranked = self._ranked[key] = sorted(cands, key=lambda c: (self.km(c.site, buyer), self.price(c), c.site))
        return [c for c in ranked if c.site != exclude and where(self.site(c.site))]

    def freeze(self) -> Snapshot:
        return replace(self.snap, purchases=tuple(self.purchases), products=dict(self.products),
                       loops=tuple(self.loops))


def _supplier_filter(op: Operation, state: _State) -> Callable[[Site], bool]:
    if op.get("from_site"):
        sid = op.get("from_site")
        return lambda s: s.id == sid
    if op.get("from_country"):
        cc = op.get("from_country").upper()
        return lambda s: s.country == cc
    match = region_matcher(op.get("from_region"), state.snap)
    assert match is not None  # checked by check_scenario
    return match


def _scope(op: Operation, p: Purchase) -> bool:
    mat, buyer = op.params.get("material"), op.params.get("buyer")
    return (mat is None or p.material == mat) and (buyer is None or p.buyer_site == buyer)


def _apply_shift(op: Operation, st: _State) -> OperationResult:
    match = _supplier_filter(op, st)
    to, share, mode = op.get("to"), op.get("share"), op.get("transport_mode")
    out: list[Purchase] = []
    moved_kg, changed, short = 0.0, 0, 0.0
    for p in st.purchases:
        if _scope(op, p) and p.supplier_site != to and match(st.site(p.supplier_site)) and share > 0:
            wanted = p.mass_kg * share
            kg = st.take_capacity(to, p.material, wanted)
            short += wanted - kg
            if kg > 0:
                rest, moved = st.move(p, to, kg, mode)
                out.extend(x for x in (rest, moved) if x is not None)
                moved_kg += kg
                changed += 1
                continue
        out.append(p)
    st.purchases = out
    notes = []
    if changed == 0:
        notes.append("no purchase matched: nothing was moved")
    if short > _EPS:
        notes.append(f"{short:,.0f} kg not moved: candidate capacity of {to} reached")
    return OperationResult(0, op.op, op.line, moved_kg, 0.0, 0.0, changed, tuple(notes))


def _apply_add_source(op: Operation, st: _State) -> OperationResult:
    site, share, mode = op.get("candidate"), op.get("share"), op.get("transport_mode")
    targets = [p for p in st.purchases if _scope(op, p) and p.supplier_site != site]
    wanted = sum(p.mass_kg for p in targets) * share
    got = st.take_capacity(site, op.get("material"), wanted)
    # When capacity binds, every purchase gives up the same smaller fraction, so no plant or
    # supplier is favoured by the order of the rows.
    eff = share * (got / wanted) if wanted > 0 else 0.0
    notes = []
    if wanted - got > _EPS:
        notes.append(f"capacity of {site} ({got:,.0f} kg) covers {eff:.4g} of the volume instead of {share:g}")
    if not targets:
        notes.append("no purchase matched: nothing was moved")
    ids = {id(p) for p in targets}
    out: list[Purchase] = []
    moved_kg = 0.0
    for p in st.purchases:
        if id(p) in ids and eff > 0:
            rest, moved = st.move(p, site, p.mass_kg * eff, mode)
            out.extend(x for x in (rest, moved) if x is not None)
            moved_kg += moved.mass_kg
        else:
            out.append(p)
    st.purchases = out
    return OperationResult(0, op.op, op.line, moved_kg, 0.0, 0.0, len(targets) if eff > 0 else 0, tuple(notes))


def _fill(p: Purchase, kg: float, cands: Sequence[Candidate], st: _State, mode: str | None) -> tuple[list[Purchase], float]:
    """Move up to ``kg`` of ``p`` to ranked candidates within capacity: (new purchases, kg left)."""
    out: list[Purchase] = []
    rest: Purchase | None = p
    left = kg
    for c in cands:
        if left <= _EPS or rest is None:
            break
        got = st.take_capacity(c.site, c.material, left)
        if got <= _EPS:
            continue
        rest, moved = st.move(rest, c.site, got, mode)
        out.append(moved)
        left -= got
    if rest is not None:
        out.append(rest)
    return out, max(left, 0.0)


def _apply_shore(op: Operation, st: _State) -> OperationResult:
    share, mode = op.get("share"), op.get("transport_mode")
    inside: Callable[[Site, Site], bool]
    if op.op == "reshore":
        inside = lambda buyer, s: s.country == buyer.country  # noqa: E731
    else:
        inside = lambda buyer, s: buyer.region is not None and s.region == buyer.region  # noqa: E731
    out: list[Purchase] = []
    moved_kg, changed, short = 0.0, 0, 0.0
    # Rows are visited in list order (purchase id order, moved volume next to its origin),
    # so that when capacity runs out the same purchases are served first on every run.
    for p in st.purchases:
        if not (share > 0 and _scope(op, p)):
            out.append(p)
            continue
        buyer = st.site(p.buyer_site)
        if inside(buyer, st.site(p.supplier_site)):
            out.append(p)
            continue
        cands = st.ranked(p.material, p.buyer_site, lambda s, b=buyer: inside(b, s), p.supplier_site)
        wanted = p.mass_kg * share
        new, left = _fill(p, wanted, cands, st, mode)
        moved_kg += wanted - left
        short += left
        changed += 1 if wanted - left > _EPS else 0
        out.extend(new)
    st.purchases = out
    area = "country" if op.op == "reshore" else "M49 region"
    notes = []
    if short > _EPS:
        notes.append(f"{short:,.0f} kg stays outside the buyer's {area}: no candidate capacity left inside it")
    if changed == 0 and short <= _EPS:
        notes.append(f"no purchase from outside the buyer's {area} matched")
    return OperationResult(0, op.op, op.line, moved_kg, 0.0, 0.0, changed, tuple(notes))


def _apply_disrupt(op: Operation, st: _State) -> OperationResult:
    if op.get("country"):
        cc = op.get("country").upper()
        hit: Callable[[Site], bool] = lambda s: s.country == cc  # noqa: E731
        area = cc
    else:
        match = region_matcher(op.get("region"), st.snap)
        assert match is not None
        hit, area = match, op.get("region")
    resupply = op.get("resupply", True)
    kept = [p for p in st.purchases if not hit(st.site(p.supplier_site))]
    lost = sorted((p for p in st.purchases if hit(st.site(p.supplier_site))), key=lambda x: x.id)
    removed = sum(p.mass_kg for p in lost)
    moved_kg, unmet_kg = 0.0, 0.0
    for p in lost:
        # Lost volume is re-sourced from candidates outside the disrupted area (nearest to the
        # plant, then cheapest, within capacity). What no candidate can take is unmet demand;
        # remaining suppliers are not assumed to scale up, as their spare capacity is unknown.
        cands = st.ranked(p.material, p.buyer_site, lambda s: not hit(s), p.supplier_site) if resupply else []
        new, left = _fill(p, p.mass_kg, cands, st, None)
        kept.extend(x for x in new if x.supplier_site != p.supplier_site)
        moved_kg += p.mass_kg - left
        if left > _EPS:
            key = (p.material, p.buyer_site)
            st.unmet[key] = st.unmet.get(key, 0.0) + left
            unmet_kg += left
    st.purchases = kept
    notes = [] if lost else [f"no purchase is supplied from {area}"]
    return OperationResult(0, op.op, op.line, moved_kg, removed, unmet_kg, len(lost), tuple(notes))


def _apply_loop(op: Operation, st: _State) -> OperationResult:
    changed = 0
    notes: list[str] = []
    if op.get("product"):
        pid = op.get("product")
        changes = {k: v for k, v in op.params.items() if k != "product"}
        new = replace(st.products[pid], **changes)
        if new.collection_recycling_share + new.collection_reuse_share > 1 + _EPS:
            raise _err(st.file, op.line, f"loop: collection_recycling_share + collection_reuse_share of "
                                             f"{pid} would be above 1")
        st.products[pid] = new
        return OperationResult(0, op.op, op.line, 0.0, 0.0, 0.0, 1, ())
    mat = op.get("material")
    rec, reu = op.get("recycled_share"), op.get("reused_share")
    if rec is not None or reu is not None:
        out = []
        for p in st.purchases:
            if p.material == mat:
                q = replace(p, recycled_share=rec if rec is not None else p.recycled_share,
                            reused_share=reu if reu is not None else p.reused_share)
                if (q.recycled_share or 0) + (q.reused_share or 0) > 1 + _EPS:
                    raise _err(st.file, op.line, f"loop: recycled_share + reused_share of {mat} would be above 1 "
                                                     f"(purchase {p.id})")
                out.append(q)
                changed += 1
            else:
                out.append(p)
        st.purchases = out
    if op.get("outflow_from"):
        src, dst, share = op.get("outflow_from"), op.get("outflow_to"), op.get("outflow_share")
        loops: list[Loop] = []
        n = 0
        for lp in st.loops:
            if lp.material == mat and lp.strategy == src and share > 0:
                n += 1
                kept_kg = lp.mass_kg * (1 - share)
                if kept_kg > _EPS:
                    loops.append(replace(lp, mass_kg=kept_kg))
                loops.append(replace(lp, id=f"{lp.id}~{dst}", strategy=dst, mass_kg=lp.mass_kg * share))
            else:
                loops.append(lp)
        st.loops = loops
        changed += n
        if n == 0:
            notes.append(f"no loop of {mat} with strategy {src}")
    return OperationResult(0, op.op, op.line, 0.0, 0.0, 0.0, changed, tuple(notes))


_APPLY: dict[str, Callable[[Operation, _State], OperationResult]] = {
    "shift": _apply_shift, "add-source": _apply_add_source, "reshore": _apply_shore, "nearshore": _apply_shore,
    "disrupt": _apply_disrupt, "loop": _apply_loop,
}


def apply_scenario(scenario: Scenario, snapshot: Snapshot) -> ScenarioResult:
    """Apply the operations, in order, to a copy of the snapshot's flows."""
    st = _State(snapshot, scenario.file)
    results = []
    for i, op in enumerate(scenario.operations, start=1):
        r = _APPLY[op.op](op, st)
        results.append(replace(r, index=i))
    snap = st.freeze()
    sources: dict[tuple[str, str], set[str]] = {}
    if st.unmet:
        for p in snap.purchases:
            sources.setdefault((p.material, p.buyer_site), set()).add(p.supplier_site)
    unmet = [UnmetDemand(mat, plant, kg, len(sources.get((mat, plant), ())))
             for (mat, plant), kg in sorted(st.unmet.items())]
    return ScenarioResult(scenario, snap, tuple(results), tuple(unmet))


# ---------------------------------------------------------------------------------------
# Measuring: the indicators compared side by side
# ---------------------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def crma(snapshot: Snapshot) -> dict[str, dict[str, dict[str, Any]]]:
    """Largest single non-EU country share of each strategic material, per calendar year,
    against the CRMA 65 % benchmark (by purchased mass)."""
    mass: dict[tuple[str, int], dict[str, float]] = {}
    for p in snapshot.purchases:
        mat = snapshot.materials.get(p.material)
        if mat is None or not mat.strategic:
            continue
        by_cc = mass.setdefault((p.material, p.date.year), {})
        cc = snapshot.sites[p.supplier_site].country
        by_cc[cc] = by_cc.get(cc, 0.0) + p.mass_kg
    eu = {s.country: s.in_eu for s in snapshot.sites.values()}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (m, year), by_cc in sorted(mass.items()):
        total = sum(by_cc.values())
        non_eu = [(kg, cc) for cc, kg in by_cc.items() if not eu.get(cc, False)]
        kg, cc = max(non_eu, default=(0.0, None), key=lambda x: (x[0], x[1] or ""))
        share = _ratio(kg, total) or 0.0
        out.setdefault(m, {})[str(year)] = {"country": cc, "share": share,
                                            "exceeds": share > CRMA_MAX_SINGLE_COUNTRY_SHARE}
    return out


def indicators(snapshot: Snapshot, factors: EmissionFactors,
               unmet: Sequence[UnmetDemand] = ()) -> dict[str, Any]:
    """Every figure of the side-by-side comparison, for one set of flows."""
    m = metrics.compute(snapshot)
    local, circ, res = m["local_sourcing"], m["circularity"], m["resilience"]
    total_kg = sum(p.mass_kg for p in snapshot.purchases)
    # transport: tonne-km and emissions per mode (a purchase without a mode counts as "unknown")
    tkm: dict[str, float] = {}
    no_distance_kg = 0.0
    lead_num = lead_den = 0.0
    foreign: dict[str, float] = {}
    pair_km: dict[tuple[str, str], float | None] = {}
    for p in snapshot.purchases:
        pair = (p.buyer_site, p.supplier_site)
        if pair in pair_km:
            d = pair_km[pair]
        else:
            d = pair_km[pair] = metrics.distance_km(p, snapshot)
        if d is None:
            no_distance_kg += p.mass_kg
        else:
            mode = p.transport_mode or "unknown"
            tkm[mode] = tkm.get(mode, 0.0) + p.mass_kg / 1000.0 * d
        if p.lead_time_days is not None:
            lead_num += p.mass_kg * p.lead_time_days
            lead_den += p.mass_kg
        buyer_cc, cc = snapshot.sites[p.buyer_site].country, snapshot.sites[p.supplier_site].country
        if cc != buyer_cc:
            foreign[cc] = foreign.get(cc, 0.0) + p.mass_kg
    emissions: dict[str, float | None] = {}
    for mode, x in tkm.items():
        g = factors.g_per_tkm.get(mode)
        emissions[mode] = None if g is None else x * g / 1000.0  # g -> kg CO2e
    known = [v for v in emissions.values() if v is not None]
    uncovered_tkm = sum(x for mode, x in tkm.items() if emissions.get(mode) is None)
    # spend, added up with the same currency rules as the report (fx.csv, else one currency)
    plan = metrics._spend_plan(snapshot.purchases, snapshot.fx)
    spend = None
    if plan.rates is not None:
        spend = sum(p.spend * plan.rates[p.currency or ""] for p in snapshot.purchases if p.spend is not None)
    spend_kg = sum(p.mass_kg for p in snapshot.purchases if p.spend is not None)
    supplier_hhi, country_hhi = res["supplier_hhi"], res["country_hhi"]
    mat_kg: dict[str, float] = {}
    for p in snapshot.purchases:
        mat_kg[p.material] = mat_kg.get(p.material, 0.0) + p.mass_kg

    def weighted(h: Mapping[str, float]) -> float | None:
        den = sum(mat_kg.get(k, 0.0) for k in h)
        return _ratio(sum(v * mat_kg.get(k, 0.0) for k, v in h.items()), den)

    crma_rows = crma(snapshot)
    top_foreign = max(foreign.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0))
    tiers = local["by_tier"]
    return {
        "total_mass_kg": total_kg,
        "tiers": {t: {"mass_kg": tiers[t]["mass_kg"], "mass_share": tiers[t]["mass_share"],
                      "spend_share": tiers[t]["spend_share"]} for t in TIERS},
        "local_share": _ratio(tiers["hyperlocal"]["mass_kg"] + tiers["domestic"]["mass_kg"], total_kg),
        "weighted_average_source_distance_km": local["weighted_average_source_distance_km"],
        "transport": {
            "tonne_km": dict(sorted(tkm.items())),
            "tonne_km_total": sum(tkm.values()),
            "emissions_kg_co2e": dict(sorted(emissions.items())),
            "emissions_kg_co2e_total": sum(known) if known else (0.0 if not tkm else None),
            "tonne_km_without_factor": uncovered_tkm,
            "mass_kg_without_distance": no_distance_kg,
        },
        "lead_time": {"mass_weighted_days": _ratio(lead_num, lead_den), "coverage_share": _ratio(lead_den, total_kg)},
        "spend": {"total": spend, "currency": plan.unit if plan.rates is not None else None,
                  "per_kg": _ratio(spend, spend_kg) if spend is not None else None,
                  "warning": plan.warning},
        "resilience": {
            "supplier_hhi": supplier_hhi, "country_hhi": country_hhi,
            "supplier_hhi_weighted": weighted(supplier_hhi), "country_hhi_weighted": weighted(country_hhi),
            "single_source_materials": res["single_source_materials"],
            "single_source_count": len(res["single_source_materials"]),
            "critical_inflow_share": res["critical_inflow_share"],
            "largest_foreign_country": top_foreign[0],
            "largest_foreign_country_share": _ratio(top_foreign[1], total_kg),
        },
        "crma": crma_rows,
        "crma_breaches": sum(1 for years in crma_rows.values() for r in years.values() if r["exceeds"]),
        "circularity": {"circular_inflow_share": circ["circular_inflow_share"],
                        "circular_outflow_share": circ["circular_outflow_share"],
                        "outflow_by_strategy": circ["outflow_by_strategy"],
                        "mci": circ["mci"],
                        "mci_mean": _ratio(sum(v for v in circ["mci"].values() if v is not None),
                                           sum(1 for v in circ["mci"].values() if v is not None))},
        "unmet_demand_kg": sum(u.kg for u in unmet),
    }


def delta(base: Any, new: Any) -> Any:
    """new - base for every number present in both (None where either is missing)."""
    if isinstance(base, dict) or isinstance(new, dict):
        b, n = base if isinstance(base, dict) else {}, new if isinstance(new, dict) else {}
        keys = list(b) + [k for k in n if k not in b]
        out = {k: delta(b.get(k), n.get(k)) for k in keys}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(base, bool) or isinstance(new, bool):
        return None
    if isinstance(base, (int, float)) and isinstance(new, (int, float)):
        return new - base
    if isinstance(new, (int, float)) and base is None:
        return None
    return None


#: (dimension, label, path into indicators, unit, which direction is better)
SCORECARD: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("cost efficiency", "spend per kg", ("spend", "per_kg"), "currency/kg", "lower"),
    ("flexibility", "mass-weighted lead time", ("lead_time", "mass_weighted_days"), "days", "lower"),
    ("risk: concentration", "country HHI (mass-weighted over materials)", ("resilience", "country_hhi_weighted"),
     "0-10,000", "lower"),
    ("risk: concentration", "supplier HHI (mass-weighted over materials)", ("resilience", "supplier_hhi_weighted"),
     "0-10,000", "lower"),
    ("risk: exposure to disruption", "largest single foreign country share", ("resilience",
                                                                              "largest_foreign_country_share"),
     "share", "lower"),
    ("risk: exposure to disruption", "unmet demand", ("unmet_demand_kg",), "kg", "lower"),
    ("risk: exposure to disruption", "CRMA breaches (material-years above 65 %)", ("crma_breaches",), "count",
     "lower"),
    ("speed to market", "weighted average source distance", ("weighted_average_source_distance_km",), "km",
     "lower"),
    ("locality", "hyperlocal + domestic mass share", ("local_share",), "share", "higher"),
    ("locality", "transport emissions", ("transport", "emissions_kg_co2e_total"), "kg CO2e", "lower"),
    ("circularity", "circular inflow share", ("circularity", "circular_inflow_share"), "share", "higher"),
    ("circularity", "circular outflow share", ("circularity", "circular_outflow_share"), "share", "higher"),
    ("circularity", "MCI, mean over products", ("circularity", "mci_mean"), "0-1", "higher"),
)


def _get(d: Mapping[str, Any], path: Sequence[str]) -> Any:
    cur: Any = d
    for k in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(k)
    return cur


def scorecard(base: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The global vs glocal scorecard: each dimension with baseline, scenario, delta and verdict."""
    rows = []
    for dimension, label, path, unit, better in SCORECARD:
        b, n = _get(base, path), _get(new, path)
        d = n - b if isinstance(b, (int, float)) and isinstance(n, (int, float)) else None
        if d is None:
            verdict = "n/a"
        elif abs(d) <= 1e-9 * max(1.0, abs(b)):
            verdict = "unchanged"
        else:
            verdict = "better" if (d < 0) == (better == "lower") else "worse"
        rows.append({"dimension": dimension, "indicator": label, "unit": unit, "better": better,
                     "baseline": b, "scenario": n, "delta": d, "verdict": verdict})
    return rows


def compare(snapshot: Snapshot, scenarios: Sequence[Scenario], factors: EmissionFactors) -> dict[str, Any]:
    """The scenario document: baseline once, then each scenario with its deltas and scorecard."""
    base = indicators(snapshot, factors)
    out = []
    for sc in scenarios:
        result = apply_scenario(sc, snapshot)
        ind = indicators(result.snapshot, factors, result.unmet_demand)
        out.append({
            "name": sc.name, "description": sc.description, "file": sc.file,
            "operations": [{"index": r.index, "op": r.op, "line": r.line,
                            "params": dict(sc.operations[r.index - 1].params), "moved_kg": r.moved_kg,
                            "removed_kg": r.removed_kg, "unmet_kg": r.unmet_kg, "changed": r.changed,
                            "notes": list(r.notes)} for r in result.operations],
            "indicators": ind,
            "delta": delta(base, ind),
            "unmet_demand": [{"material": u.material, "plant": u.plant, "kg": u.kg,
                              "remaining_sources": u.remaining_sources} for u in result.unmet_demand],
            "scorecard": scorecard(base, ind),
        })
    used_sites = {u["plant"] for s in out for u in s["unmet_demand"]}
    used_sites |= {v for s in out for o in s["operations"] for k, v in o["params"].items()
                   if k in ("from_site", "to", "candidate", "buyer")}
    return _clean({
        "baseline": base,
        "scenarios": out,
        "emission_factors": {"version": factors.version, "unit": "g CO2e per tonne-km",
                             "g_per_tkm": dict(factors.g_per_tkm), "sources": dict(factors.sources)},
        "names": {"materials": {k: v.name for k, v in snapshot.materials.items()},
                  "sites": {k: snapshot.sites[k].name for k in sorted(used_sites)},
                  "products": {k: v.name for k, v in snapshot.products.items()}},
        "methodology": {
            "crma": "largest single non-EU country share of each strategic material per year, by mass, "
                    f"against {CRMA_MAX_SINGLE_COUNTRY_SHARE} (Regulation (EU) 2024/1252 Art. 5(1)(d) benchmark)",
            "transport": "tonne-km = kg / 1000 x haversine km (country centroid when a site has no coordinates); "
                         "emissions = tonne-km x factor of the purchase's transport mode",
            "lead_time": "mass-weighted over purchases with lead_time_days; moved volume takes the candidate's "
                         "lead_time_days",
            **metrics.METHODOLOGY,
        },
    })


def _clean(v: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------

# (section, label, path, format); format: share, kg, km, days, hhi, num, count, money, co2
def _rows(doc: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, tuple[str, ...], str]]]]:
    base = doc["baseline"]
    mats = sorted(set(base["resilience"]["country_hhi"]) | {m for s in doc["scenarios"]
                                                             for m in s["indicators"]["resilience"]["country_hhi"]})
    modes = sorted(set(base["transport"]["tonne_km"]) | {m for s in doc["scenarios"]
                                                         for m in s["indicators"]["transport"]["tonne_km"]})
    products = sorted(base["circularity"]["mci"])
    strategies = list(base["circularity"]["outflow_by_strategy"])
    mname = doc["names"]["materials"]
    return [
        ("Local sourcing", [(f"{t} mass share", ("tiers", t, "mass_share"), "share") for t in TIERS]
         + [(f"{t} spend share", ("tiers", t, "spend_share"), "share") for t in TIERS]
         + [("purchased mass", ("total_mass_kg",), "kg"),
            ("weighted average source distance", ("weighted_average_source_distance_km",), "km")]),
        ("Transport", [(f"tonne-km, {m}", ("transport", "tonne_km", m), "num") for m in modes]
         + [("tonne-km, total", ("transport", "tonne_km_total"), "num")]
         + [(f"emissions, {m} (kg CO2e)", ("transport", "emissions_kg_co2e", m), "num") for m in modes]
         + [("emissions, total (kg CO2e)", ("transport", "emissions_kg_co2e_total"), "num"),
            ("tonne-km without an emission factor", ("transport", "tonne_km_without_factor"), "num")]),
        ("Lead time and spend", [
            ("mass-weighted lead time (days)", ("lead_time", "mass_weighted_days"), "days"),
            ("mass with a lead time", ("lead_time", "coverage_share"), "share"),
            ("spend (" + str(base["spend"]["currency"] or "no common currency") + ")", ("spend", "total"), "num"),
            ("spend per kg", ("spend", "per_kg"), "money")]),
        ("Resilience", [
            ("supplier HHI, mass-weighted", ("resilience", "supplier_hhi_weighted"), "hhi"),
            ("country HHI, mass-weighted", ("resilience", "country_hhi_weighted"), "hhi"),
            ("single-source materials", ("resilience", "single_source_count"), "count"),
            ("critical inflow share", ("resilience", "critical_inflow_share"), "share"),
            ("largest foreign country share", ("resilience", "largest_foreign_country_share"), "share"),
            ("unmet demand (kg)", ("unmet_demand_kg",), "kg")]
         + [(f"supplier HHI, {mname.get(m, m)}", ("resilience", "supplier_hhi", m), "hhi") for m in mats]
         + [(f"country HHI, {mname.get(m, m)}", ("resilience", "country_hhi", m), "hhi") for m in mats]),
        ("Circularity", [
            ("circular inflow share", ("circularity", "circular_inflow_share"), "share"),
            ("circular outflow share", ("circularity", "circular_outflow_share"), "share")]
         + [(f"outflow, {st} (kg)", ("circularity", "outflow_by_strategy", st), "kg") for st in strategies]
         + [(f"MCI, {doc['names']['products'].get(p, p)}", ("circularity", "mci", p), "mci") for p in products]),
    ]


def _fmt(v: Any, kind: str) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if not isinstance(v, (int, float)):
        return str(v)
    if kind == "share":
        return f"{100 * v:.1f} %"
    if kind in ("kg", "km", "hhi", "count"):
        return f"{v:,.0f}"
    if kind in ("days", "money"):
        return f"{v:,.2f}"
    if kind == "mci":
        return f"{v:.3f}"
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.3g}"


def _fmt_delta(v: Any, kind: str) -> str:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return ""
    if abs(v) < 1e-9:
        return "±0"
    if kind == "share":
        return f"{100 * v:+.1f} pp"
    text = _fmt(abs(v), kind)
    return ("+" if v > 0 else "−") + text


def render_html(doc: Mapping[str, Any]) -> str:
    """One self-contained HTML page (inline CSS, no scripts, every data text escaped)."""
    import jinja2

    from ..resources import templates_dir

    folder = templates_dir()
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (folder / name).read_text(encoding="utf-8")
                                     if (folder / name).is_file() else None),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    sections = []
    for title, rows in _rows(doc):
        out_rows = []
        for label, path, kind in rows:
            base = _get(doc["baseline"], path)
            cells = []
            for s in doc["scenarios"]:
                v = _get(s["indicators"], path)
                d = v - base if isinstance(v, (int, float)) and isinstance(base, (int, float)) else None
                cells.append((_fmt(v, kind), _fmt_delta(d, kind)))
            if base is None and all(c[0] == "–" for c in cells):
                continue
            out_rows.append({"label": label, "baseline": _fmt(base, kind), "cells": cells})
        sections.append({"title": title, "rows": out_rows})
    crma_rows = []
    keys = sorted({(m, y) for m, ys in doc["baseline"]["crma"].items() for y in ys}
                  | {(m, y) for s in doc["scenarios"] for m, ys in s["indicators"]["crma"].items() for y in ys})
    for m, y in keys:
        def cell(ind: Mapping[str, Any]) -> dict[str, Any]:
            r = ind["crma"].get(m, {}).get(y)
            return {"text": "–" if r is None else f"{_fmt(r['share'], 'share')} {r['country'] or ''}".strip(),
                    "exceeds": bool(r and r["exceeds"])}
        crma_rows.append({"material": doc["names"]["materials"].get(m, m), "year": y,
                          "baseline": cell(doc["baseline"]), "cells": [cell(s["indicators"]) for s in doc["scenarios"]]})
    template = env.get_template("scenario.html.j2")
    return template.render(doc=doc, sections=sections, crma=crma_rows, fmt=_fmt, fmt_delta=_fmt_delta,
                           limit=CRMA_MAX_SINGLE_COUNTRY_SHARE)
