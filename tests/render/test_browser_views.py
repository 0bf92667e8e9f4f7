"""The report's and the scenario page's views in chromium, and the report printed to PDF.

* Every section the navigation names renders (so a section added as a partial, e.g. readiness,
  is covered as soon as it is on the page), with the trends, the CRMA-per-year view and the map
  inset; the scenario page's scorecard charts.
* Colours: in one chart, each category has one fill and distinct categories have distinct
  fills, read from the computed style of the drawn shapes; the legend's swatches match.
* Labels fit: no chart label starts left of its SVG (measured truncation, full name in <title>).
* Downloads: a chart saves as a standalone SVG and a table as CSV whose numbers are the
  metrics.json figures (data-value), with no network request.
* Print: `chromium --headless --print-to-pdf`; pypdf's text extraction shows that page 1 holds
  the summary (headline figures and key findings) and no more, and that every table's header
  row is on some page in full (a column cut at the A4 edge would be missing from the text). A
  negative control (a table forced wider than the page) proves the check sees clipping.

chromium is required under CI=true (a missing one fails); locally the tests skip without it.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from loopsource.cli import main

from ..builders import read_csv, write_csv
from .test_browser import CHROMIUM_FLAGS, DEMO, EVIL, chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    """`loopsource run` on a copy of data/demo whose first supplier is named <script>, and the
    nearshore scenario page on its store."""
    base = tmp_path_factory.mktemp("views")
    data = base / "data"
    shutil.copytree(DEMO, data)
    orgs = read_csv(data / "organisations.csv")
    next(r for r in orgs if r["role"] == "supplier")["name"] = EVIL
    write_csv(data / "organisations.csv", orgs)
    out = base / "out"
    runner = CliRunner()
    r = runner.invoke(main, ["run", str(data), "--out", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["scenario", str(DEMO / "scenarios" / "nearshore.yaml"), "--store", str(out / "store"),
                             "-o", str(out / "scenario.html")])
    assert r.exit_code == 0, r.output
    return out


def _playwright():
    exe = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in the test extra
        pytest.fail("playwright is not installed (pip install -e '.[test]')")
    return exe, sync_playwright


def _open(p, exe: str, url: str, console: list[str], requests: list[str]):
    browser = p.chromium.launch(executable_path=exe, headless=True,
                                args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url) if r.url != url and not r.url.startswith("blob:") else None)
    page.goto(url, wait_until="load")
    return browser, page


FILLS_JS = """(sel) => {
  const out = {};
  for (const el of document.querySelectorAll(sel)) {
    const k = el.closest('[data-category]').getAttribute('data-category');
    (out[k] = out[k] || []).push(getComputedStyle(el).fill);
  }
  return out;
}"""
LEGEND_JS = """(sel) => Object.fromEntries([...document.querySelectorAll(sel + ' .item')].map(
  i => [i.getAttribute('data-category'), getComputedStyle(i.querySelector('.swatch')).backgroundColor]))"""


def _distinct(fills: dict[str, list[str]], what: str) -> dict[str, str]:
    """One colour per category, and a different one for every category."""
    assert len(fills) >= 3, f"{what}: too few categories drawn: {fills}"
    one = {}
    for k, cs in fills.items():
        assert len(set(cs)) == 1, f"{what}: category {k} drawn in several colours {set(cs)}"
        one[k] = cs[0]
    clash = {c: [k for k in one if one[k] == c] for c in set(one.values())}
    assert len(set(one.values())) == len(one), f"{what}: categories share a colour: " + str(
        {c: ks for c, ks in clash.items() if len(ks) > 1})
    return one


def test_report_views_in_chromium(demo_out: Path, tmp_path: Path):
    """Trends, CRMA per year (lithium 2024 CL past the 65 % line, 2025 not), the map inset,
    distinct colours with a matching legend, fitting labels, SVG and CSV downloads."""
    exe, sync_playwright = _playwright()
    metrics = json.loads((demo_out / "metrics.json").read_text(encoding="utf-8"))
    url = (demo_out / "report.html").resolve().as_uri()
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser, page = _open(p, exe, url, console, requests)
        try:
            ids = page.eval_on_selector_all("nav.toc a", "as => as.map(a => a.getAttribute('href').slice(1))")
            assert {"headline", "trends", "local-sourcing", "resilience", "compliance"} <= set(ids)
            for s in ids:  # every section the navigation names renders (new partials included)
                box = page.locator(f"section#{s}").bounding_box()
                assert box and box["height"] > 60 and box["width"] > 300, f"section {s} does not render: {box}"
            assert page.locator("#trends figure[data-trend] svg").count() == len(metrics["trends"]["figures"])
            assert page.locator("#chart-map-inset circle").count() >= 8
            # CRMA per year: the lithium 2024 CL segment reaches past the benchmark line, 2025's does not
            seg = page.eval_on_selector_all(
                "#chart-crma-BatteryGradeLithium rect.segment[data-category='CL']",
                "rs => rs.map(r => [r.x.baseVal.value, r.width.baseVal.value])")
            line_x = page.eval_on_selector("#chart-crma-BatteryGradeLithium line.benchmark", "l => l.x1.baseVal.value")
            (x24, w24), (x25, w25) = seg
            assert x24 + w24 > line_x and w25 < line_x - 60  # 85.8 % of 2024 (CL starts after CN 14.2 %); 45.5 % in 2025
            for chart, legend in (("#chart-critical", "[data-legend-for='chart-critical']"),
                                  ("#crma-by-year svg", "[data-legend-for='crma-by-year']")):
                one = _distinct(page.evaluate(FILLS_JS, chart + " rect.segment"), chart)
                swatches = page.evaluate(LEGEND_JS, legend)
                assert {k: swatches.get(k) for k in one} == one, f"{chart}: legend does not match the fills"
            overflow = page.eval_on_selector_all(
                "svg text.label", "ts => ts.filter(t => t.getBBox().x < -0.5).map(t => t.textContent)")
            assert not overflow, f"labels run past the chart's left edge: {overflow}"
            assert page.locator("script").count() == 1 and page.get_by_text(EVIL).count() >= 1
            with page.expect_download() as dl:
                page.click("button[data-target='chart-critical']")
            svg = ElementTree.parse(dl.value.path()).getroot()
            assert svg.tag == "{http://www.w3.org/2000/svg}svg" and dl.value.suggested_filename.endswith(".svg")
            assert len(svg.findall(".//{http://www.w3.org/2000/svg}rect")) >= 10
            with page.expect_download() as dl:
                page.click("button[data-target='table-trends']")
            rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
            years = [str(y) for y in metrics["trends"]["years"]]
            assert rows[0] == ["Figure", "Unit", *years, "Change"]
            inflow = next(r for r in rows if r[0] == "Recycled + reused inflow")
            assert [float(v) for v in inflow[2:2 + len(years)]] == [
                metrics["trends"]["by_year"][y]["circular_inflow_share"] for y in years]
            page.screenshot(path=str(tmp_path / "views.png"), full_page=False)
        finally:
            browser.close()
    assert not console, console
    assert not requests, requests


def test_scenario_charts_in_chromium(demo_out: Path):
    """The scorecard has a chart per indicator with the baseline and the scenario in distinct
    colours, units beside every row, MCI noise shown as unchanged, and a CSV download."""
    exe, sync_playwright = _playwright()
    url = (demo_out / "scenario.html").resolve().as_uri()
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser, page = _open(p, exe, url, console, requests)
        try:
            figures = page.locator("#scorecard figure[data-indicator]")
            assert figures.count() >= 12
            fills = page.evaluate(FILLS_JS, "#scorecard figure[data-indicator] g.bar rect")
            assert set(fills) == {"baseline", "Nearshore battery materials"}
            assert len({fills["baseline"][0], fills["Nearshore battery materials"][0]}) == 2
            units = page.eval_on_selector_all("#table-scorecard tbody tr", "rs => rs.map(r => r.cells[2].textContent)")
            assert units and all(u.strip() for u in units)
            for sec in ("local-sourcing", "transport", "lead-time-and-spend", "resilience", "circularity"):
                rows = page.eval_on_selector_all(f"section#{sec} tbody tr",
                                                 "rs => rs.map(r => [r.cells[0].textContent, r.cells[1].textContent])")
                assert rows and all(unit.strip() for _label, unit in rows), (sec, rows)
            mci = page.locator("#table-scorecard tr[data-indicator='MCI, mean over products']").inner_text()
            assert "unchanged" in mci and "worse" not in mci
            with page.expect_download() as dl:
                page.click("button[data-target='table-scorecard']")
            rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
            assert rows[0][:5] == ["dimension", "indicator", "unit", "better", "baseline"]
        finally:
            browser.close()
    assert not console, console
    assert not requests, requests


class _Tables(HTMLParser):
    """The header row (th of thead) of every table of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[str]]] = []
        self.head = self.cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append((dict(attrs).get("id") or f"table {len(self.tables) + 1}", []))
        elif tag == "thead":
            self.head = True
        elif tag == "th" and self.head:
            self.cell = True
            self.tables[-1][1].append("")

    def handle_endtag(self, tag):
        if tag == "th":
            self.cell = False
        elif tag == "thead":
            self.head = False

    def handle_data(self, data):
        if self.cell:
            self.tables[-1][1][-1] += data


def _squash(text: str) -> str:
    """Text as extracted, comparable: ligatures unfolded (NFKC), whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _print(exe: str, html: Path, pdf: Path) -> list[str]:
    """chromium --headless --print-to-pdf, then the text of each page (pypdf)."""
    from pypdf import PdfReader

    subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={pdf.parent / ('profile-' + pdf.stem)}",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
                   capture_output=True, timeout=180, check=True)
    return [page.extract_text() for page in PdfReader(str(pdf)).pages]


def _clipped(html: str, pages: list[str]) -> list[str]:
    """The tables whose header row does not appear in full on any page."""
    parser = _Tables()
    parser.feed(html)
    texts = [_squash(t) for t in pages]
    return [tid for tid, heads in parser.tables if heads and not any(_squash("".join(heads)) in t for t in texts)]


def test_report_prints_to_pdf(demo_out: Path, tmp_path: Path):
    """Page 1: the summary (every headline card, the key findings, the CRMA finding) and nothing
    of the next section; every table's header row whole on some page; the control table that is
    wider than A4 is caught."""
    exe = chromium()
    report = demo_out / "report.html"
    html = report.read_text(encoding="utf-8")
    pages = _print(exe, report, tmp_path / "report.pdf")
    first = unicodedata.normalize("NFKC", pages[0])
    for text in ("Summary", "CIRCULAR INFLOW", "CIRCULAR OUTFLOW", "SOURCED LOCALLY", "COMPLIANCE", "Key findings",
                 "85.8 % of lithium, battery grade bought in 2024 came from CL"):
        assert text in first.replace("\n", " "), f"page 1 lacks {text!r}"
    assert "Trends by year" not in first and "Local sourcing" not in first
    assert len(pages) >= 3
    assert not _clipped(html, pages), "tables cut at the page edge"
    # control: the same page with its tier table forced to 2,000 px: its last columns fall off A4
    wide = tmp_path / "wide.html"
    wide.write_text(html.replace('<table id="table-tiers"', '<table id="table-tiers" style="width:2000px;'
                                 'min-width:2000px;table-layout:fixed"'), encoding="utf-8")
    assert "table-tiers" in _clipped(wide.read_text(encoding="utf-8"), _print(exe, wide, tmp_path / "wide.pdf"))
