"""report.html and `loopsource report`: sections, escaping, self-containment, JSON output."""
from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.analysis.metrics import compute
from loopsource.render.report import render, to_json
from loopsource.analysis.snapshot import read_snapshot

from .pages import check_only_our_script

EVIL = "<script>alert(1)</script>"
SECTIONS = ("headline", "local-sourcing", "circularity", "resilience", "compliance", "data-gaps")


class Page(HTMLParser):
    """Collects tags, attributes and text of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.section_text: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "section":
            self.stack.append(a.get("id") or "")

    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.stack:
            self.section_text.setdefault(self.stack[-1], []).append(data)

    def all_text(self) -> str:
        return "".join(self.text)


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    return p


def _rename_supplier(data: Path) -> None:
    """Give supplier organisation ORG-SUP1 and its site a name that is markup."""
    for name, key in (("organisations.csv", "ORG-SUP1"), ("sites.csv", "S-SUP1")):
        path = data / name
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        for r in rows:
            if r["id"] == key:
                r["name"] = EVIL
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)


@pytest.fixture
def evil_store(mini_dir: Path, build_store):
    _rename_supplier(mini_dir)
    return build_store(mini_dir)


def test_report_has_every_section_and_escapes_data(evil_store):
    snap = read_snapshot(evil_store)
    html = render(compute(snap), source="mini")
    page = parse(html)
    ids = [a.get("id") for t, a in page.tags if t == "section"]
    for s in SECTIONS:
        assert s in ids, s
        assert "".join(page.section_text[s]).strip(), f"section {s} is empty"
    # the supplier's name is text, never markup; the one script is our own download.js
    check_only_our_script(html)
    assert EVIL in page.all_text()
    assert EVIL not in html  # escaped in the source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_is_self_contained(evil_store):
    html = render(compute(read_snapshot(evil_store)))
    page = parse(html)
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        for k, v in attrs.items():
            if k in ("src", "href", "xlink:href", "action") and v:
                assert v.startswith("#"), (tag, k, v)
    assert "url(" not in html and "@import" not in html
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    check_only_our_script(html)
    # every chart has a table beside it: count svgs and tables per section
    svgs = sum(1 for t, _ in page.tags if t == "svg")
    tables = sum(1 for t, _ in page.tags if t == "table")
    assert svgs >= 6 and tables >= svgs


def test_report_map_and_numbers(mini_dir: Path, build_store):
    snap = read_snapshot(build_store(mini_dir))
    m = compute(snap)
    page = parse(render(m))
    text = page.all_text()
    assert "Lyon works" in text and "Paris plant" in text
    circles = [a for t, a in page.tags if t == "circle"]
    assert len(circles) == 2  # two supplier sites
    paths = [a for t, a in page.tags if t == "path" and a.get("stroke", "").startswith("#")]
    assert len(paths) == 2  # two flows into the plant
    assert "24.0 %" in "".join(page.section_text["circularity"])  # circular inflow 625 / 2600
    assert "0.531" in "".join(page.section_text["circularity"])  # MCI of P-BAT


def test_report_with_validation_results(evil_store):
    from ..cli.test_run import FakeReport, FakeResult

    v = FakeReport([FakeResult("crma", "CRMA-1", "violation", "<x>", None, None, f"supplier {EVIL} too concentrated"),
                    FakeResult("esrs-e5", "E5-2", "warning", "<y>", None, None, "missing share")])
    m = compute(read_snapshot(evil_store), validation=v)
    assert m["compliance"]["conforms"] is False
    assert m["compliance"]["by_profile"]["crma"]["violations"] == 1
    assert m["compliance"]["by_profile"]["esrs-e5"]["warnings"] == 1
    page = parse(render(m))
    comp = "".join(page.section_text["compliance"])
    assert "CRMA-1" in comp and EVIL in comp
    check_only_our_script(render(m))


def _root(store) -> Path:
    """Close a fixture's store so that the CLI (same process) can open it."""
    root = store.root
    store.close()
    return root


def test_cli_report_json_and_html(evil_store, tmp_path: Path):
    runner = CliRunner()
    root = _root(evil_store)
    out = tmp_path / "m.json"
    r = runner.invoke(main, ["report", "--store", str(root), "--format", "json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    m = json.loads(out.read_text(encoding="utf-8"))
    assert m["circularity"]["circular_inflow_share"] == pytest.approx(625 / 2600)
    r = runner.invoke(main, ["report", "--store", str(root), "--year", "2024", "--site", "S-PLANT"])
    assert r.exit_code == 0
    assert "<!doctype html>" in r.stdout and "&lt;script&gt;" in r.stdout
    out = tmp_path / "none.json"
    r = runner.invoke(main, ["report", "--store", str(root), "--format", "json", "--year", "2001", "-o", str(out)])
    assert r.exit_code == 2 and "no purchases or loops dated in 2001" in r.output and "Traceback" not in r.output
    assert not out.exists()  # no report of nulls


def test_cli_report_bad_input(tmp_path: Path, evil_store):
    runner = CliRunner()
    root = _root(evil_store)
    r = runner.invoke(main, ["report", "--store", str(tmp_path / "nothing")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(main, ["report", "--store", str(root), "--site", "NOPE"])
    assert r.exit_code == 2 and "NOPE" in r.output


def test_to_json_is_strict():
    assert json.loads(to_json({"a": 1.5, "b": None})) == {"a": 1.5, "b": None}
    with pytest.raises(ValueError):
        to_json({"a": float("nan")})
