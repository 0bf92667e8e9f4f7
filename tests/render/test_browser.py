"""Open report.html in the system's headless chromium: every section renders, no console error,
no network request, and a PNG of the first screen is kept (its path is printed).

CI installs Debian's chromium (.ci/test.sh). A browser is never downloaded: Playwright, when
installed, drives /usr/bin/chromium; without Playwright, chromium's own --dump-dom and
--screenshot are used. Without chromium the test skips locally and fails when CI=true.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main

from ..builders import read_csv, write_csv

HERE = Path(__file__).resolve().parents[1]  # tests/
DEMO, FIXTURES = HERE.parent / "data" / "demo", HERE / "fixtures"

pytestmark = pytest.mark.browser

EVIL = "<script>alert(1)</script>"
SECTIONS = ("headline", "local-sourcing", "circularity", "resilience", "compliance", "data-gaps")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio"]
ARTIFACTS = Path(os.environ.get("LOOPSOURCE_ARTIFACTS", "")) if os.environ.get("LOOPSOURCE_ARTIFACTS") else None


def chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    message = "chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + ": the browser test is required in CI")
    pytest.skip(message)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    """`loopsource run` on a copy of data/demo (or the mini fixture) with a supplier named <script>."""
    base = tmp_path_factory.mktemp("browser")
    src = DEMO if (DEMO / "purchases.csv").is_file() else FIXTURES / "mini"
    data = base / "data"
    shutil.copytree(src, data)
    orgs = read_csv(data / "organisations.csv")
    supplier = next(r for r in orgs if r["role"] == "supplier")
    supplier["name"] = EVIL
    write_csv(data / "organisations.csv", orgs)
    sites = read_csv(data / "sites.csv")
    for s in sites:
        if s["organisation"] == supplier["id"]:
            s["name"] = EVIL
    write_csv(data / "sites.csv", sites)
    out = base / "out"
    r = CliRunner().invoke(main, ["run", str(data), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out / "report.html"


def _keep(png: Path, name: str) -> None:
    print(f"\nfirst screen of report.html: {png}")
    if ARTIFACTS:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, ARTIFACTS / name)
        print(f"copied to {ARTIFACTS / name}")


def test_report_renders_in_chromium(report_html: Path, tmp_path: Path):
    exe = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _with_chromium_cli(exe, report_html, tmp_path)
        return
    url = report_html.resolve().as_uri()
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True,
                                    args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
            page.goto(url, wait_until="load")
            page.wait_for_timeout(300)
            for s in SECTIONS:
                box = page.locator(f"section#{s}").bounding_box()
                assert box and box["height"] > 60 and box["width"] > 300, f"section {s} does not render: {box}"
                assert page.locator(f"section#{s} h2").is_visible(), s
            assert page.locator("svg").count() >= 6
            assert page.locator("section#local-sourcing svg.map circle").count() >= 2
            assert page.locator("script").count() == 1  # download.js, allowed by its hash (pages.py)
            assert page.get_by_text(EVIL).count() >= 1  # shown as text
            png = tmp_path / "report-first-screen.png"
            page.screenshot(path=str(png))
            assert png.stat().st_size > 10_000
            _keep(png, "report-first-screen.png")
            page.emulate_media(media="print")
            pdf = page.pdf(format="A4", print_background=True)
            assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 3
        finally:
            browser.close()
    assert not console, console
    assert not requests, requests


def _with_chromium_cli(exe: str, report: Path, tmp_path: Path) -> None:
    """Fallback without Playwright: --dump-dom (sections, escaping) and --screenshot; console via logging."""
    url = report.resolve().as_uri()
    profile = tmp_path / "profile"
    base = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND"]
    dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True)

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.tags, self.text = set(), [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            a = dict(attrs)
            if tag == "section" and a.get("id"):
                self.ids.add(a["id"])

        def handle_data(self, d):
            self.text.append(d)

    p = P()
    p.feed(dom.stdout)
    assert set(SECTIONS) <= p.ids
    assert p.tags.count("script") == 1 and EVIL in "".join(p.text)  # download.js only
    errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Refused to" in line]
    assert not errors, errors
    png = tmp_path / "report-first-screen.png"
    subprocess.run([*base, "--hide-scrollbars", "--window-size=1280,900", f"--screenshot={png}", url],
                   capture_output=True, timeout=120, check=True)
    assert png.stat().st_size > 10_000
    _keep(png, "report-first-screen.png")


@pytest.fixture(scope="module")
def tender_html(tmp_path_factory) -> Path:
    """`loopsource tender` on the demo tender (data/demo/tender) against a store of data/demo."""
    base = tmp_path_factory.mktemp("tender-browser")
    runner = CliRunner()
    r = runner.invoke(main, ["build", str(DEMO), "--store", str(base / "store")])
    assert r.exit_code == 0, r.output
    out = base / "tender.html"
    r = runner.invoke(main, ["tender", str(DEMO / "tender" / "bids.csv"), "--criteria",
                             str(DEMO / "tender" / "criteria.yaml"), "--store", str(base / "store"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_tender_ranking_renders_in_chromium(tender_html: Path, tmp_path: Path):
    """Every lot section renders with its ranking table; no script, no console error, no request."""
    exe = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        dom = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                              tender_html.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=True)
        for lot in ("L1", "L2", "L3"):
            assert f'id="lot-{lot}"' in dom.stdout
        assert "<script" not in dom.stdout
        return
    url = tender_html.resolve().as_uri()
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True,
                                    args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
            page.goto(url, wait_until="load")
            for lot in ("L1", "L2", "L3"):
                box = page.locator(f"section#lot-{lot}").bounding_box()
                assert box and box["height"] > 100 and box["width"] > 300, f"lot {lot} does not render: {box}"
                assert page.locator(f"section#lot-{lot} table.ranking tbody tr").count() >= 2
            assert page.locator("section#lot-L3 tr.winner").inner_text().find("B-L3-ODRAPLAST") >= 0
            assert page.locator("section#lot-L3 table.knockouts tbody tr").count() == 2
            assert page.locator("script").count() == 0
            png = tmp_path / "tender-first-screen.png"
            page.screenshot(path=str(png))
            assert png.stat().st_size > 10_000
            _keep(png, "tender-first-screen.png")
        finally:
            browser.close()
    assert not console, console
    assert not requests, requests


@pytest.fixture(scope="module")
def passport_html(tmp_path_factory) -> Path:
    """`loopsource passport` (signed) of the demo EV battery, with a manufacturer named <script>."""
    base = tmp_path_factory.mktemp("passport-browser")
    data = base / "data"
    shutil.copytree(DEMO, data, ignore=shutil.ignore_patterns("scenarios", "tender"))
    orgs = read_csv(data / "organisations.csv")
    for o in orgs:
        if o["role"] == "buyer":
            o["name"] = EVIL
    write_csv(data / "organisations.csv", orgs)
    runner = CliRunner()
    r = runner.invoke(main, ["build", str(data), "--store", str(base / "store")])
    assert r.exit_code == 0, r.output
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = base / "key.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    out = base / "passport.html"
    r = runner.invoke(main, ["passport", "P-ORV-EVB75", "--store", str(base / "store"), "--key", str(key),
                             "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


PASSPORT_SECTIONS = ("identity", "circularity", "emissions", "materials", "battery", "claims", "notes")


def test_passport_page_renders_in_chromium(passport_html: Path, tmp_path: Path):
    """Every section renders; the materials table has a row per provenance line; the signature shows as
    verified; the <script> manufacturer is text; no script, no console error, no request."""
    exe = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        dom = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                              passport_html.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=True)
        for s in PASSPORT_SECTIONS:
            assert f'id="{s}"' in dom.stdout
        assert "<script>" not in dom.stdout.replace("&lt;script&gt;", "")
        return
    url = passport_html.resolve().as_uri()
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True,
                                    args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
            page.goto(url, wait_until="load")
            for s in PASSPORT_SECTIONS:
                box = page.locator(f"section#{s}").bounding_box()
                assert box and box["height"] > 60 and box["width"] > 300, f"section {s} does not render: {box}"
            assert page.locator("section#materials table.materials tbody tr").count() >= 22
            assert page.locator("section#battery table.battery tbody tr").count() == 3
            assert page.locator("section#identity").inner_text().find("verified") >= 0
            assert page.get_by_text(EVIL).count() >= 1 and page.locator("script").count() == 0
            png = tmp_path / "passport-first-screen.png"
            page.screenshot(path=str(png))
            assert png.stat().st_size > 10_000
            _keep(png, "passport-first-screen.png")
        finally:
            browser.close()
    assert not console, console
    assert not requests, requests
