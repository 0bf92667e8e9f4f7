"""What every HTML page loopsource writes may run: its one download script, nothing else."""
from __future__ import annotations

import base64
import html as htmllib
import hashlib
import re

from loopsource import resources


def check_only_our_script(html: str) -> None:
    """The page holds exactly one <script>: the packaged download.js, byte for byte (so no data
    reached it), and the Content-Security-Policy allows that script by its hash and no other
    (no 'unsafe-inline', no source that could load one)."""
    ours = (resources.templates_dir() / "download.js").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S | re.I)
    assert scripts == [ours], "the page's scripts are not exactly the packaged download.js"
    assert len(re.findall(r"<script\b", html, flags=re.I)) == 1
    digest = base64.b64encode(hashlib.sha256(ours.encode("utf-8")).digest()).decode("ascii")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert csp, "no Content-Security-Policy"
    policy = htmllib.unescape(csp.group(1))  # the attribute as the browser reads it
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == f"'sha256-{digest}'"
