"""Scenario files: YAML with line numbers, the Operation and Scenario model, and the checks.

A scenario is a YAML file with a name, a description and a list of operations. Every error
in a scenario file names the file and the line (``FILE:LINE: reason``): the YAML is composed
into nodes first so that each value keeps its line number. ``parse_scenario`` checks the
form (no data needed); ``check_scenario`` checks every id against a snapshot, so the CLI can
report form errors before it opens a store.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..analysis.metrics import STRATEGIES
from ..analysis.snapshot import Site, Snapshot
from ..errors import InputError, ScenarioError, did_you_mean
from ..network.data import makers
from ..files import MAX_YAML_BYTES, YamlLimitError, compose_yaml_bounded, read_text_input
from ..rdf.vocab import code_lists

TRANSPORT_MODES: tuple[str, ...] = tuple(code_lists().transport_modes)
#: UN M49 regions (the top level the snapshot carries); names are accepted as well as codes.
M49_REGIONS: dict[str, str] = {"002": "Africa", "019": "Americas", "142": "Asia", "150": "Europe", "009": "Oceania"}
#: Product fields a `loop` operation may change (all shares or efficiencies in [0, 1]).
PRODUCT_RATES: tuple[str, ...] = ("collection_recycling_share", "collection_reuse_share",
                                  "recycling_efficiency_eol", "recycling_efficiency_feedstock")


# ---------------------------------------------------------------------------------------
# YAML with line numbers
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Y:
    """A YAML value with the (1-based) line it starts on; mappings keep per-key lines."""

    value: Any
    line: int


def compose_yaml(text: str, file: str) -> _Y | None:
    """Compose YAML text into values that keep their line (None for an empty document);
    shared with the emission-factor reader so both name ``FILE:LINE`` in their errors."""
    try:
        node, loader = compose_yaml_bounded(text, file)
    except YamlLimitError as e:
        raise ScenarioError(f"{file}: refused: {e}") from None
    except yaml.YAMLError as e:
        raise _yaml_error(e, file) from None
    try:
        return None if node is None else _convert(node, loader, file)
    except yaml.YAMLError as e:
        raise _yaml_error(e, file) from None
    finally:
        loader.dispose()


def _yaml_error(e: yaml.YAMLError, file: str) -> ScenarioError:
    """``FILE:LINE: not valid YAML: ...`` where the parser knows the line, else ``FILE: ...``."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        return ScenarioError(f"{file}:{line}: not valid YAML: {e.problem or e.context}")
    return ScenarioError(f"{file}: not valid YAML: {e}")


def read_yaml_file(path: Path, what: str) -> str:
    """The text of a scenario or factors file: a regular file within the YAML size limit."""
    try:
        return read_text_input(path, str(path), limit=MAX_YAML_BYTES)
    except InputError as e:
        raise ScenarioError(f"cannot read the {what} file: {e.problems[0]}") from None


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

    op: str  # shift | add-source | reshore | nearshore | disrupt | loop | open-hub | serve-market | make-at
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
    # network moves (scenario/network_ops.py)
    "open-hub": {"hub": "id", "material": "id", "buyer": "id", "product": "id"},
    "serve-market": {"market": "id", "from": "id"},
    "make-at": {"product": "id", "plant": "id", "market": "id"},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "shift": ("material", "to", "share"), "add-source": ("material", "candidate", "share"),
    "reshore": (), "nearshore": (), "disrupt": (), "loop": (),
    "open-hub": ("hub",), "serve-market": ("market", "from"), "make-at": ("product", "plant"),
}


def err_at(file: str, line: int, reason: str) -> ScenarioError:
    """The one error form of scenario and factor files: ``FILE:LINE: reason``."""
    return ScenarioError(f"{file}:{line}: {reason}")


def _value(kind: str, name: str, y: _Y, file: str) -> Any:
    v = y.value
    if kind == "id":
        if isinstance(v, bool) or not isinstance(v, (str, int)) or str(v).strip() == "":
            raise err_at(file, y.line, f"{name} must be an id (text), not {v!r}")
        return str(v).strip()
    if kind in ("share", "number"):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise err_at(file, y.line, f"{name} must be a number, not {v!r}")
        v = float(v)
        if kind == "share" and not 0.0 <= v <= 1.0:
            raise err_at(file, y.line, f"{name} {v:g} is {'above 1' if v > 1 else 'below 0'}; shares are fractions in [0, 1]")
        if kind == "number" and not 0 < v <= 1000:  # lifetime_years: the loader's bound (docs/security.md)
            raise err_at(file, y.line, f"{name} must be above 0 and at most 1000, not {v:g}")
        return v
    if kind == "bool":
        if not isinstance(v, bool):
            raise err_at(file, y.line, f"{name} must be true or false, not {v!r}")
        return v
    if kind == "mode":
        if v not in TRANSPORT_MODES:
            raise err_at(file, y.line, f"{name} {v!r} is not one of {', '.join(TRANSPORT_MODES)}"
                                       f"{did_you_mean(str(v), TRANSPORT_MODES)}")
        return v
    if kind == "strategy":
        if v not in STRATEGIES:
            raise err_at(file, y.line, f"{name} {v!r} is not one of {', '.join(STRATEGIES)}"
                                       f"{did_you_mean(str(v), STRATEGIES)}")
        return v
    raise AssertionError(kind)  # pragma: no cover - the table above is closed


def _parse_operation(y: _Y, file: str, problems: list[str]) -> Operation | None:
    """One operation, its fields checked one by one: each problem is added to ``problems``
    (with its line and a suggestion for a near miss); None when the operation cannot be formed."""
    if not isinstance(y.value, dict):
        problems.append(str(err_at(file, y.line, "each operation must be a mapping with an 'op' key")))
        return None
    fields_ = y.value
    if "op" not in fields_:
        problems.append(str(err_at(file, y.line, "operation without 'op' (one of " + ", ".join(_OP_FIELDS) + ")")))
        return None
    op = fields_["op"].value
    if op not in _OP_FIELDS:
        problems.append(str(err_at(file, fields_["op"].line, f"unknown operation {op!r}{did_you_mean(str(op), _OP_FIELDS)}"
                                                               f" (known: {', '.join(_OP_FIELDS)})")))
        return None
    spec = _OP_FIELDS[op]
    params: dict[str, Any] = {}
    lines: dict[str, int] = {"op": fields_["op"].line}
    before = len(problems)
    for name, fy in fields_.items():
        if name == "op":
            continue
        if name not in spec:
            problems.append(str(err_at(file, fy.line, f"{op}: unknown field {name!r}{did_you_mean(name, spec)} "
                                                      f"(allowed: {', '.join(spec)})")))
            continue
        try:
            params[name] = _value(spec[name], name, fy, file)
        except ScenarioError as e:
            problems.extend(e.problems)
        lines[name] = fy.line
    for name in _REQUIRED[op]:
        if name not in params and name not in lines:
            problems.append(str(err_at(file, y.line, f"{op}: missing field {name!r}")))
    if len(problems) > before:
        return None
    try:
        return _combination(op, y.line, params, lines, file)
    except ScenarioError as e:
        problems.extend(e.problems)
        return None


def _combination(op: str, line: int, params: dict[str, Any], lines: dict[str, int], file: str) -> Operation:
    """The field combinations an operation allows (its fields are each valid)."""
    if op == "shift":
        given = [k for k in ("from_site", "from_country", "from_region") if k in params]
        if len(given) != 1:
            raise err_at(file, line, "shift: give exactly one of from_site, from_country, from_region")
    elif op == "disrupt":
        if ("country" in params) == ("region" in params):
            raise err_at(file, line, "disrupt: give exactly one of country, region")
    elif op == "loop":
        _check_loop(params, lines, file, line)
    elif op in ("reshore", "nearshore"):
        params.setdefault("share", 1.0)
    return Operation(op, line, params, lines)


def _check_loop(params: Mapping[str, Any], lines: Mapping[str, int], file: str, line: int) -> None:
    """The field combinations a loop operation allows."""
    if ("product" in params) == ("material" in params):
        raise err_at(file, line, "loop: give exactly one of product, material")
    product_fields = set(PRODUCT_RATES) | {"lifetime_years"}
    if "product" in params:
        wrong = [k for k in params if k not in product_fields | {"product"}]
        if wrong:
            raise err_at(file, lines[wrong[0]], f"loop: {wrong[0]!r} applies to a material, not a product")
        if len(params) == 1:
            raise err_at(file, line, "loop: nothing to change; give one of " + ", ".join(sorted(product_fields)))
    else:
        wrong = [k for k in params if k in product_fields]
        if wrong:
            raise err_at(file, lines[wrong[0]], f"loop: {wrong[0]!r} applies to a product, not a material")
        outflow = [k for k in ("outflow_from", "outflow_to", "outflow_share") if k in params]
        if outflow and len(outflow) != 3:
            raise err_at(file, line, "loop: outflow_from, outflow_to and outflow_share go together")
        if len(params) == 1:
            raise err_at(file, line, "loop: nothing to change; give recycled_share, reused_share or outflow_*")


def parse_scenario(path: Path | str, text: str | None = None) -> Scenario:
    """Read and check the form of a scenario file (references are checked by ``check_scenario``)."""
    path = Path(path)
    file = str(path)
    if text is None:
        text = read_yaml_file(path, "scenario")
    root = compose_yaml(text, file)
    if root is None or not isinstance(root.value, dict):
        raise err_at(file, root.line if root else 1, "a scenario is a mapping with name, description and operations")
    top = root.value
    problems: list[str] = []
    keys = ("name", "description", "operations")
    for key, y in top.items():
        if key not in keys:
            problems.append(str(err_at(file, y.line, f"unknown field {key!r}{did_you_mean(key, keys)}; a scenario has "
                                                     "name, description, operations")))
    for key in ("name", "operations"):
        if key not in top:
            problems.append(str(err_at(file, root.line, f"missing field {key!r}")))
    name = top.get("name", _Y("", root.line))
    if "name" in top and (not isinstance(name.value, str) or not name.value.strip()):
        problems.append(str(err_at(file, name.line, "name must be non-empty text")))
    desc = top.get("description", _Y("", root.line))
    if desc.value is None:
        desc = _Y("", desc.line)
    if not isinstance(desc.value, str):
        problems.append(str(err_at(file, desc.line, "description must be text")))
    ops = top.get("operations", _Y([], root.line))
    if "operations" in top and (not isinstance(ops.value, list) or not ops.value):
        problems.append(str(err_at(file, ops.line, "operations must be a non-empty list")))
    parsed = [_parse_operation(o, file, problems) for o in ops.value] if isinstance(ops.value, list) else []
    if problems:
        raise ScenarioError(problems)
    return Scenario(str(name.value).strip(), str(desc.value).strip(), file, tuple(o for o in parsed if o is not None))


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
    """Every id a scenario names must exist in the data; raise one ScenarioError naming every
    unknown id with its line (and the closest known id)."""
    problems: list[str] = []
    for op in scenario.operations:
        try:
            _check_operation(op, scenario.file, snapshot, problems)
        except ScenarioError as e:
            problems.extend(e.problems)
    if problems:
        raise ScenarioError(problems)


def _check_operation(op: Operation, file: str, snapshot: Snapshot, problems: list[str]) -> None:
    """The references of one operation: unknown ids go to ``problems``; a combination that
    does not fit the data raises."""
    countries = {s.country for s in snapshot.sites.values()}
    candidates = {(c.site, c.material) for c in snapshot.candidates}
    before = len(problems)

    def line(key: str) -> int:
        return op.lines.get(key, op.line)

    def need(key: str, known: Iterable[str], what: str) -> None:
        v = op.get(key)
        if v is not None and v not in known:
            problems.append(str(err_at(file, line(key), f"{op.op}: unknown {what} {v!r}{did_you_mean(v, known)}")))

    need("material", snapshot.materials, "material")
    need("buyer", snapshot.sites, "site")
    need("from_site", snapshot.sites, "site")
    need("to", snapshot.sites, "site")
    need("candidate", snapshot.sites, "site")
    need("product", snapshot.products, "product")
    need("plant", snapshot.sites, "site")
    for key in ("from_country", "country"):
        v = op.get(key)
        if v is not None and v.upper() not in countries:
            problems.append(str(err_at(file, line(key), f"{op.op}: unknown country {v!r} (no site of the data is "
                                                        f"located there){did_you_mean(v.upper(), countries)}")))
    for key in ("from_region", "region"):
        v = op.get(key)
        if v is not None and region_matcher(v, snapshot) is None:
            problems.append(str(err_at(file, line(key), f"{op.op}: unknown region {v!r}"
                                                        f"{did_you_mean(v, M49_REGIONS.values())}; use an M49 "
                                                        "region code or name ("
                                                        f"{', '.join(f'{c} {n}' for c, n in M49_REGIONS.items())}), "
                                                        "a sub-region code, or EU")))
    if len(problems) > before:
        return
    if op.op in ("open-hub", "serve-market", "make-at"):
        _check_network(op, snapshot, file)
    if op.op == "add-source" and (op.get("candidate"), op.get("material")) not in candidates:
        raise err_at(file, line("candidate"), f"add-source: site {op.get('candidate')!r} is not a candidate for "
                                              f"material {op.get('material')!r} in candidates.csv")


def _check_network(op: Operation, snapshot: Snapshot, file: str) -> None:
    """The references of a network operation, against the data (errors name the line)."""
    def line(key: str) -> int:
        return op.lines.get(key, op.line)

    hubs = {h.id: h for h in snapshot.hubs}
    markets = {m.id: m for m in snapshot.markets}
    made = makers(snapshot)
    for key, known, what in (("hub", hubs, "hub (hubs.csv)"), ("market", markets, "market (markets.csv)")):
        if op.get(key) is not None and op.get(key) not in known:
            raise err_at(file, line(key), f"{op.op}: unknown {what} {op.get(key)!r}")
    if op.op == "open-hub":
        kind = hubs[op.get("hub")].kind
        wrong = ["product"] if kind == "sourcing_hub" else ["material", "buyer"]
        for key in wrong:
            if op.get(key) is not None:
                raise err_at(file, line(key), f"open-hub: {key!r} does not apply to a {kind} ({op.get('hub')})")
    elif op.op == "serve-market":
        m, source = markets[op.get("market")], op.get("from")
        if source in hubs:
            if hubs[source].kind != "distribution_hub":
                raise err_at(file, line("from"), f"serve-market: {source} is a sourcing hub; markets are served "
                                                  "from plants or distribution hubs")
        elif source not in made.get(m.product, set()):
            raise err_at(file, line("from"), f"serve-market: {source!r} is neither a distribution hub nor a plant "
                                              f"that makes {m.product} (plant_products.csv, products.csv plant)")
    elif op.op == "make-at":
        product, plant = op.get("product"), op.get("plant")
        if plant not in made.get(product, set()):
            raise err_at(file, line("plant"), f"make-at: plant {plant!r} does not make {product} "
                                               "(plant_products.csv, products.csv plant)")
        if op.get("market") is not None and markets[op.get("market")].product != product:
            raise err_at(file, line("market"), f"make-at: market {op.get('market')} demands "
                                                f"{markets[op.get('market')].product}, not {product}")


def load_scenario(path: Path | str, snapshot: Snapshot) -> Scenario:
    scenario = parse_scenario(path)
    check_scenario(scenario, snapshot)
    return scenario
