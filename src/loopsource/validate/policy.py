"""The company policy file (YAML) and the SHACL shapes generated from it.

A policy rule is checked like the legal rules: Python materialises one aggregate node per
plant or material and year (see aggregates.py) and a generated node shape compares its
measure with the policy's threshold, so severities and messages live in shapes here too.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError, ShapesError
from ..files import MAX_YAML_BYTES, YamlLimitError, load_yaml, read_text_input
from ..rdf.terms import string_literal
from ..rdf.vocab import LS
from .results import SEVERITIES
from .terms import AGG, LSV

POLICY_RULES = {
    "min_local_share": "per plant and calendar year: share of purchased mass from suppliers local to the plant",
    "max_supplier_hhi": "per material and calendar year: Herfindahl-Hirschman index of supplier organisations' "
                        "mass shares, in points (0-10,000, as everywhere in loopsource)",
    "dual_sourcing": "per material and calendar year: at least min_suppliers distinct supplier organisations",
}
# rule -> (default code, the key that holds its threshold)
_DEFAULTS = {"min_local_share": ("POL-LOCAL-SHARE", "min"), "max_supplier_hhi": ("POL-SUPPLIER-HHI", "max"),
             "dual_sourcing": ("POL-DUAL-SOURCING", "min_suppliers")}


@dataclass(frozen=True)
class PolicyRule:
    index: int
    rule: str
    code: str
    severity: str
    threshold: float
    materials: str | tuple[str, ...] = "all"  # all | critical | strategic | class local names
    local: str = "country"  # country | subregion | eu
    plants: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Policy:
    file: str
    rules: tuple[PolicyRule, ...]


def load_policy(path: Path) -> Policy:
    """Read and check a policy file (format: data/demo/policy.yaml and the README)."""
    path = Path(path)
    try:
        text = read_text_input(path, str(path), limit=MAX_YAML_BYTES)
    except InputError as e:
        raise ShapesError(f"cannot read the policy file: {e.problems[0]}") from None
    return parse_policy(text, str(path))


def parse_policy(text: str, path: str) -> Policy:
    """A policy from its text (``path`` names it in errors and in the rules' sources): the
    file itself, or the copy a store records (validate.context)."""
    import yaml

    try:
        data = load_yaml(text, path)
    except YamlLimitError as e:
        raise ShapesError(f"{path}: refused: {e}") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ShapesError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise ShapesError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ShapesError(f"{path}: a policy file is a mapping with a 'rules' list")
    return Policy(str(path), tuple(_policy_rule(i, r, f"{path}: rule {i}") for i, r in enumerate(data["rules"], 1)))


def _policy_rule(i: int, r: Any, where: str) -> PolicyRule:
    """One entry of the 'rules' list, checked key by key (``where`` names it in errors)."""
    if not isinstance(r, dict) or r.get("rule") not in POLICY_RULES:
        raise ShapesError(f"{where}: 'rule' must be one of {', '.join(POLICY_RULES)}")
    kind = r["rule"]
    code, key = _DEFAULTS[kind]
    allowed = {"rule", "code", "severity", key, "materials", "local", "plants", "note"}
    unknown = set(r) - allowed
    if unknown:
        raise ShapesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
    if key not in r or not isinstance(r[key], (int, float)) or isinstance(r[key], bool):
        raise ShapesError(f"{where}: '{key}' must be a number")
    threshold = float(r[key])
    if kind == "min_local_share" and not 0 <= threshold <= 1:
        raise ShapesError(f"{where}: '{key}' is a fraction in [0, 1] (got {threshold})")
    if kind == "max_supplier_hhi" and not 1 < threshold <= 10000:
        hint = (f"; {threshold:g} looks like a 0-1 fraction: write {threshold * 10000:,.0f}"
                if 0 <= threshold <= 1 else "")
        raise ShapesError(f"{where}: '{key}' is an HHI in points, above 1 and at most 10,000, as in metrics.json and "
                          f"the concentration query (got {threshold:g}){hint}")
    severity = r.get("severity", "violation")
    if severity not in SEVERITIES:
        raise ShapesError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    materials = r.get("materials", "all")
    if isinstance(materials, list):
        materials = tuple(str(m) for m in materials)
    elif materials not in ("all", "critical", "strategic"):
        raise ShapesError(f"{where}: materials is all, critical, strategic or a list of material classes")
    local = r.get("local", "country")
    if local not in ("country", "subregion", "eu"):
        raise ShapesError(f"{where}: local is country, subregion or eu")
    plants = r.get("plants", [])
    if not isinstance(plants, list):
        raise ShapesError(f"{where}: plants is a list of site ids")
    return PolicyRule(i, kind, str(r.get("code") or code), severity, threshold, materials, local,
                      tuple(str(p) for p in plants), str(r.get("note", "")))


def policy_turtle(policy: Policy) -> str:
    """The SHACL shapes of a policy: one node shape per rule over its aggregate nodes."""
    sev = {"violation": "sh:Violation", "warning": "sh:Warning", "info": "sh:Info"}
    lines = [f"@prefix ls: <{LS}> .", f"@prefix lsv: <{LSV}> .", "@prefix sh: <http://www.w3.org/ns/shacl#> .",
             "@prefix dcterms: <http://purl.org/dc/terms/> .", f"@prefix lspol: <{AGG}policy#> .", ""]
    for r in policy.rules:
        what = {"min_local_share": ("lsv:localShare", "sh:minInclusive",
                                    f"{{$this}}: local share {{?value}} is below the policy minimum {r.threshold:g} ({{?detail}})"),
                "max_supplier_hhi": ("lsv:supplierHhi", "sh:maxInclusive",
                                     f"{{$this}}: supplier HHI {{?value}} points is above the policy maximum {r.threshold:,.0f} ({{?detail}})"),
                "dual_sourcing": ("lsv:supplierCount", "sh:minInclusive",
                                  f"{{$this}}: {{?value}} supplier organisation(s), the policy asks for at least {r.threshold:g} ({{?detail}})")}
        path, constraint, message = what[r.rule]
        value = f"{int(r.threshold)}" if r.rule == "dual_sourcing" else f"{Decimal(str(r.threshold))}"
        if "." not in value and r.rule != "dual_sourcing":
            value += ".0"
        source = f"company policy {Path(policy.file).name}, rule {r.index} ({r.rule})" + (f": {r.note}" if r.note else "")
        # sh:severity sits on the property shape: SHACL does not pass a node shape's on.
        lines += [f"lspol:rule{r.index} a sh:NodeShape ; sh:targetClass lsv:PolicyRule{r.index} ;",
                  f"    ls:ruleCode {string_literal(r.code)} ; dcterms:source {string_literal(source)} ;",
                  f"    sh:property [ sh:path {path} ; {constraint} {value} ; sh:severity {sev[r.severity]} ;",
                  f"                  sh:message {string_literal(message)} ] .", ""]
    return "\n".join(lines)
