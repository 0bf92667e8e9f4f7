"""One answer per store (issue #15, items 3 and 6, and its traps), through the command line:

* run, validate and report on one store give identical compliance counts, each stating its
  as-of date and period; the store records the policy (content and hash) and the as-of date;
* a profile that cannot be checked says "not checked: needs X" (text, JSON, report);
* readiness for future targets (from the shapes' own dates and thresholds);
* the current store after run/build; no folders left by failed commands;
* IRI parameters by bare country code or region name; region:XX refused with a suggestion;
* scenario mistakes reported all at once with FILE:LINE and did-you-mean.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main

from ..conftest import DEMO

AS_OF = "2027-06-30"


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


class Elements(HTMLParser):
    """Every element of a page as (tag, attributes, text of it and its descendants)."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr", "area", "base", "embed"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None], str]] = []
        self.open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append((tag, dict(attrs), []))

    def handle_endtag(self, tag):
        while self.open:
            t, a, parts = self.open.pop()
            text = " ".join(" ".join(parts).split())
            self.found.append((t, a, text))
            if self.open:
                self.open[-1][2].append(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self.open:
            self.open[-1][2].append(data)

    def where(self, **attrs: str) -> list[tuple[str, dict[str, str | None], str]]:
        return [e for e in self.found if all(e[1].get(k.replace("_", "-")) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo run once, as of 2027-06-30, in its own working folder (module scope)."""
    work = tmp_path_factory.mktemp("one-answer")
    shutil.copytree(DEMO, work / "demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)  # run records out/store as the current store of this folder
        r = cli("run", "demo", "--out", "out", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    return work


def _totals(by_profile: dict) -> dict[str, tuple[int, int, int]]:
    return {p: (c["violations"], c["warnings"], c["infos"]) for p, c in by_profile.items()}


def test_run_validate_and_report_give_identical_counts(demo_run: Path, monkeypatch) -> None:
    """Hand count on the demo (data/demo): the policy file data/demo/policy.yaml gives 2
    violations (POL-DUAL-SOURCING: M-SI bought from one supplier in 2024 and 2025) and 8 warnings
    (2 local-share rows of S-ORV-MTY, 6 supplier-HHI rows); the EU and data-quality profiles
    give 0 violations and 24 warnings as of 2027 (no minimum share in force before 2030): in all
    2 violations and 32 warnings. Before this change validate and report on the store said 0 and
    24, because only run read the policy."""
    monkeypatch.chdir(demo_run)  # where run recorded the current store: no --store below
    metrics = json.loads((demo_run / "out" / "metrics.json").read_text(encoding="utf-8"))
    r = cli("validate", "--format", "json")
    assert r.exit_code == 1, r.output  # violations at --fail-on violation
    validation = json.loads(r.stdout)
    assert "store: out/store (the current store" in r.stderr
    r = cli("report", "--validate", "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)

    run_counts = _totals(metrics["compliance"]["by_profile"])
    assert run_counts == _totals(validation["profiles"]) == _totals(report["compliance"]["by_profile"])
    assert sum(v for v, _w, _i in run_counts.values()) == 2
    assert sum(w for _v, w, _i in run_counts.values()) == 32
    assert run_counts["policy"][:2] == (2, 8)
    # each states its as-of date (recorded by run) and period (the purchases' years)
    for doc in (metrics["compliance"], report["compliance"]):
        assert doc["as_of"] == AS_OF and doc["period"]["years"] == [2024, 2025]
    assert validation["as_of"] == AS_OF and validation["period"]["text"] == "2024–2025"
    # provenance: the policy's content, path and hash are in the store; validate says it used them
    ctx = validation["context"]
    assert ctx["as_of"] == {"date": AS_OF, "source": "recorded in the store"}
    assert ctx["policy"]["source"] == "recorded in the store"
    assert ctx["policy"]["file"].endswith("policy.yaml")
    assert ctx["policy"]["sha256"] == hashlib.sha256((demo_run / "demo" / "policy.yaml").read_bytes()).hexdigest()
    # the text output and the HTML report say it too
    r = cli("validate")
    assert f"(6 profiles, as of {AS_OF}, purchases 2024–2025)" in r.stdout
    assert f"as of {AS_OF} (recorded in the store)" in r.stdout
    page = Elements((demo_run / "out" / "report.html").read_text(encoding="utf-8"))
    (_tag, _attrs, context), = page.where(id="compliance-context")
    assert AS_OF in context and "purchases 2024–2025" in context and "policy.yaml" in context
    # a report without --validate states them too (compliance "not checked")
    r = cli("report", "--year", "2025")
    (_tag, _attrs, context), = Elements(r.stdout).where(id="compliance-context")
    assert f"As of {AS_OF} (recorded in the store) · purchases 2025" in context


def test_the_store_is_self_contained_and_the_command_line_overrides(demo_run: Path, monkeypatch) -> None:
    """The store's copy of the policy is used after the file is gone; --as-of on the command line
    wins and says so (as of 2031-08-18 the Batteries 2031 minimums apply: 9 violations more, the
    README's example)."""
    monkeypatch.chdir(demo_run)
    moved = demo_run / "policy.moved"
    (demo_run / "demo" / "policy.yaml").rename(moved)
    try:
        r = cli("validate", "--format", "json", "--as-of", "2031-08-18")
    finally:
        moved.rename(demo_run / "demo" / "policy.yaml")
    doc = json.loads(r.stdout)
    assert doc["context"]["as_of"] == {"date": "2031-08-18", "source": "command line"}
    counts = _totals(doc["profiles"])
    assert counts["policy"][:2] == (2, 8)
    assert sum(v for v, _w, _i in counts.values()) == 11


def test_a_profile_that_cannot_be_checked_says_what_it_needs(mini_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """tests/fixtures/mini without its products (products.csv, bom.csv) and with no policy file:
    eu-batteries, eu-ppwr and policy are 'not checked' (text, validation.json, metrics.json, the
    report), never '0 violations'."""
    monkeypatch.chdir(tmp_path)
    (mini_dir / "products.csv").unlink()
    (mini_dir / "bom.csv").unlink()
    assert cli("run", mini_dir, "--out", "out", "--as-of", AS_OF).exit_code in (0, 1)
    r = cli("validate")
    assert "eu-batteries: not checked: needs battery products" in r.stdout
    assert "eu-ppwr: not checked: needs plastic packaging products" in r.stdout
    assert "policy: not checked: needs a company policy file" in r.stdout
    assert "eu-batteries: 0 violations" not in r.stdout
    assert "3 not checked" in r.stdout.splitlines()[0]
    v = json.loads(cli("validate", "--format", "json").stdout)
    assert v["profiles"]["eu-batteries"]["status"] == "not checked"
    assert v["profiles"]["data-quality"] == {**v["profiles"]["data-quality"], "status": "checked", "needs": None}
    m = json.loads(Path("out/metrics.json").read_text(encoding="utf-8"))
    assert set(m["compliance"]["not_checked"]) == {"eu-batteries", "eu-ppwr", "policy"}
    page = Elements(Path("out/report.html").read_text(encoding="utf-8"))
    (_tag, _attrs, row), = page.where(data_profile="eu-batteries")
    assert row.startswith("eu-batteries not checked: needs battery products")


def test_readiness_lists_future_targets_from_the_shapes(demo_run: Path, monkeypatch) -> None:
    """As of 2027-06-30 the dated targets still ahead are PPWR Art. 7 (2030, 2040), the CRMA
    65 % benchmark (by 2030), Batteries Art. 8 (2031 for EV batteries, 2036 for EV and LMT).
    Gap by hand for the EV battery's lithium in 2031: target 0.06 - today's 0.017657 = 0.042343.
    The value is validation's own aggregate (same unit, same year, same evidence rule)."""
    monkeypatch.chdir(demo_run)
    r = cli("readiness", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["as_of"] == AS_OF
    dates = {(t["code"], t["date"]) for t in doc["targets"]}
    assert {("PPWR-7-A", "2030-01-01"), ("PPWR-7-A", "2040-01-01"), ("CRMA-65", "2030-12-31"),
            ("BATT-8-CO", "2031-08-18"), ("BATT-8-LI", "2031-08-18"), ("BATT-8-NI", "2031-08-18"),
            ("BATT-8-CO", "2036-08-18"), ("BATT-8-LI", "2036-08-18"), ("BATT-8-NI", "2036-08-18")} == dates
    li = next(t for t in doc["targets"] if t["code"] == "BATT-8-LI" and t["date"] == "2031-08-18")
    assert li["unit"] == "P-ORV-EVB75/S-ORV-LYO" and li["year"] == 2025 and li["target"] == 0.06
    assert li["gap"] == pytest.approx(li["target"] - li["value"]) and not li["meets"]
    assert li["value"] == pytest.approx(0.017657)
    lithium = next(t for t in doc["targets"] if t["code"] == "CRMA-65" and t["unit"] == "BatteryGradeLithium")
    assert lithium["by_year"] == {"2024": 0.858258, "2025": 0.455278} and lithium["meets"]  # 85.8 % -> 45.5 % Chile
    # later as-of: the 2030 and 2031 targets are in force (validation checks them), not ahead
    later = json.loads(cli("readiness", "--format", "json", "--as-of", "2032-01-01").stdout)
    assert {t["date"] for t in later["targets"]} == {"2036-08-18", "2040-01-01"}
    # one definition: validation.json, metrics.json and the report show the same rows
    v = json.loads((demo_run / "out" / "validation.json").read_text(encoding="utf-8"))
    m = json.loads((demo_run / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert v["readiness"] == m["readiness"]
    assert v["readiness"]["targets"] == doc["targets"] and v["readiness"]["short"] == doc["short"]
    page = Elements((demo_run / "out" / "report.html").read_text(encoding="utf-8"))
    rows = [e for e in page.found if e[0] == "tr" and e[1].get("data-code")]
    assert len(rows) == len(doc["targets"])
    (row,) = [text for _t, _a, text in page.where(data_code="BATT-8-LI", data_unit="P-ORV-EVB75/S-ORV-LYO")
              if text.startswith("2031")]
    assert row.startswith("2031-08-18 BATT-8-LI P-ORV-EVB75/S-ORV-LYO battery model x plant recycled lithium share "
                          "1.8 % (2025) at least 6 % 4.2 short")
    values = [float(e[1]["data-value"]) for e in page.found if e[0] == "td" and e[1].get("data-value")]
    assert li["value"] in values and li["gap"] in values
    text = cli("readiness").stdout
    assert "2031-08-18 BATT-8-LI P-ORV-EVB75/S-ORV-LYO" in text and "gap 4.2 points" in text


def test_current_store_after_run_and_build(mini_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """After 'run --out out' the other commands use out/store without --store (and say so); a
    later 'build' makes ./.loopsource current; a current store that is gone is an error."""
    monkeypatch.chdir(tmp_path)
    assert cli("run", mini_dir, "--out", "out").exit_code in (0, 1)
    r = cli("query", "single-source-materials", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert "store: out/store (the current store named in ./.loopsource-store" in r.stderr
    assert Path(".loopsource-store").read_text(encoding="utf-8").splitlines()[0] == "out/store"
    assert cli("build", mini_dir).exit_code == 0
    r = cli("reason")
    assert r.exit_code == 0 and "store: .loopsource (the current store" in r.stderr
    shutil.rmtree(".loopsource")
    r = cli("query", "single-source-materials")
    assert r.exit_code == 2 and "names the store .loopsource, which does not exist" in r.stderr
    assert cli("query", "single-source-materials", "--store", "out/store").exit_code == 0


def test_failed_commands_leave_no_new_folders(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "organisations.csv").write_text("id,name\n", encoding="utf-8")
    assert cli("run", bad, "--out", "new/out").exit_code == 2
    assert cli("build", bad, "--store", "new2/store").exit_code == 2
    assert cli("scenario", tmp_path / "missing.yaml", "-o", "new3/s.html").exit_code == 2
    assert cli("report", "--store", "nostore", "-o", "new4/r.html").exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]
    existing = tmp_path / "kept"
    existing.mkdir()
    assert cli("run", bad, "--out", existing).exit_code == 2
    assert existing.is_dir()  # a folder that was there before is never removed


@pytest.mark.parametrize(("value", "iri"), [
    ("CN", "https://w3id.org/loopsource/region/CN"), ("china", "https://w3id.org/loopsource/region/CN"),
    ("Eastern Asia", "https://w3id.org/loopsource/region/m49-030"),
    ("region:CN", "https://w3id.org/loopsource/region/CN"), ("EU", "https://w3id.org/loopsource/region/EU"),
])
def test_iri_parameters_accept_a_country_code_or_region_name(demo_run: Path, monkeypatch, value: str,
                                                             iri: str) -> None:
    monkeypatch.chdir(demo_run)
    r = cli("query", "supply-exposure", "-p", "region", value, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["results"]["bindings"]
    assert rows and {b["region"]["value"] for b in rows} == {iri}


def test_unknown_region_is_an_error_with_a_suggestion(demo_run: Path, monkeypatch) -> None:
    monkeypatch.chdir(demo_run)
    r = cli("query", "supply-exposure", "-p", "region", "region:Cn")
    assert r.exit_code == 2 and "'region:Cn' is not a known country or region; did you mean region:CN (China)?" in r.stderr
    r = cli("query", "supply-exposure", "-p", "region", "region:XX")
    assert r.exit_code == 2 and "'region:XX' is not a known country or region" in r.stderr and not r.stdout


def test_scenario_mistakes_are_reported_at_once(demo_run: Path, monkeypatch) -> None:
    monkeypatch.chdir(demo_run)
    Path("bad.yaml").write_text(
        "name: bad\ndescripton: typo\noperations:\n  - op: shfit\n    material: M-LIOH\n"
        "  - op: reshore\n    transport_mode: raod\n    shares: 0.5\n", encoding="utf-8")
    Path("refs.yaml").write_text(
        "name: refs\noperations:\n  - op: reshore\n    material: M-LIOHX\n  - op: disrupt\n    country: CNN\n",
        encoding="utf-8")
    r = cli("scenario", "bad.yaml", "-o", "x.html")
    assert r.exit_code == 2 and not Path("x.html").exists()
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: bad.yaml:2: unknown field 'descripton'; did you mean 'description'?; a scenario has name, description, "
        "operations",
        "error: bad.yaml:4: unknown operation 'shfit'; did you mean 'shift'? (known: shift, add-source, reshore, "
        "nearshore, disrupt, loop, open-hub, serve-market, make-at)",
        "error: bad.yaml:7: transport_mode 'raod' is not one of road, rail, sea, air, inland_waterway, pipeline; "
        "did you mean 'road'?",
        "error: bad.yaml:8: reshore: unknown field 'shares'; did you mean 'share'? (allowed: material, share, buyer, "
        "transport_mode)"]
    assert "4 problems found; nothing was written." in r.stderr
    r = cli("scenario", "refs.yaml")
    assert r.exit_code == 2
    assert "error: refs.yaml:4: reshore: unknown material 'M-LIOHX'; did you mean 'M-LIOH'?" in r.stderr
    assert "error: refs.yaml:6: disrupt: unknown country 'CNN'" in r.stderr and "did you mean 'CN'?" in r.stderr


def test_validate_record_makes_the_stage_by_stage_flow_one_answer(mini_dir: Path, tmp_path: Path,
                                                                   monkeypatch) -> None:
    """build + reason + 'validate --policy FILE --as-of DATE --record' writes the context into the
    store; a later plain 'validate' uses it (and says so). Hand count on tests/fixtures/mini: the
    plant S-PLANT (FR) buys 2 t + 100 kg from S-SUP1 (FR) and 500 kg from S-SUP2 (CN) in 2024:
    local share (same country) 2,100 / 2,600 = 0.807692, below a 'min_local_share' of 0.9: one
    warning, S-PLANT/2024."""
    monkeypatch.chdir(tmp_path)
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  - rule: min_local_share\n    min: 0.9\n    severity: warning\n", encoding="utf-8")
    assert cli("build", mini_dir).exit_code == 0
    assert cli("reason").exit_code == 0
    first = json.loads(cli("validate", "--policy", policy, "--as-of", AS_OF, "--record", "--format", "json").stdout)
    policy.unlink()  # the store keeps its copy
    r = cli("validate", "--format", "json")
    again = json.loads(r.stdout)
    assert again["context"]["policy"]["source"] == "recorded in the store"
    assert again["context"]["as_of"] == {"date": AS_OF, "source": "recorded in the store"}
    assert _totals(again["profiles"]) == _totals(first["profiles"])
    pol = [(x["code"], x["focus"], x["value"]) for x in again["results"] if x["profile"] == "policy"]
    assert pol == [("POL-LOCAL-SHARE", "S-PLANT/2024", "0.807692")]
