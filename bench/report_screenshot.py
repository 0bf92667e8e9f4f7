"""Make docs/report.png: the first screen of the demo's report, as chromium shows it.

    python bench/report_screenshot.py [--out docs/report.png] [--width 1280] [--height 900]

Runs the main job on data/demo into a temporary folder (``loopsource.pipeline.run``, the same
as ``loopsource run data/demo --out DIR``), then ``chromium --headless --screenshot`` on
DIR/report.html. Needs chromium (``/usr/bin/chromium``, ``chromium`` or ``chromium-browser``
on PATH, or ``$CHROMIUM``); nothing is fetched. The picture depends on the fonts installed
(the page asks for system-ui and falls back to DejaVu Sans or Arial).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    sys.exit("chromium is not installed (Debian: apt-get install chromium)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "report.png")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args()
    from loopsource.pipeline import run

    out = args.out.resolve()
    os.chdir(REPO)  # the report names its data folder as given: data/demo, as in the README
    with tempfile.TemporaryDirectory() as tmp:
        res = run(Path("data") / "demo", Path(tmp) / "out")
        subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--no-first-run", "--disable-background-networking", f"--user-data-dir={Path(tmp) / 'p'}",
                        f"--window-size={args.width},{args.height}", f"--screenshot={out}",
                        res.report_path.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
