"""`loopsource passport` through the command line (click's CliRunner on loopsource.cli.main)."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loopsource.cli import main
from loopsource.rdf.vocab import LS

from .conftest import copy_demo


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_jsonld_to_stdout(battery_store: Path) -> None:
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--as-of", "2031-09-01")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["type"] == ["DigitalProductPassport", "VerifiableCredential"]
    assert doc["validFrom"] == "2031-09-01T00:00:00Z" and "proof" not in doc
    assert doc["credentialSubject"]["product"]["registeredId"] == "P-EV"
    # claims (test_figures.test_conformity_claims_from_validation): BATT-8-CO, -LI, -NI and
    # BATT-8-EVIDENCE of the unit P-EV/S-P1/2024, CRMA-65 of Aluminium/2024 and Cobalt/2024 = 6;
    # on 2031-09-01 lithium 0 % < 6 %, nickel 0 % < 6 % and 0.45 kg unevidenced > 0 fail = 3
    assert "P-EV: 7 provenance rows (1 of unknown origin), 6 claims (3 fail)" in r.stderr


def test_settings_option(battery_store: Path, tmp_path: Path) -> None:
    """--settings reaches the claims and the Battery Pass: an evidence rule for eu-batteries that
    counts post-consumer recyclate only makes P-EV's cobalt (PO-1 600 kg post 0.06, PO-2 400 kg post
    0.20) (36 + 80)/1000 = 11.6 %, below Art. 8(2)(a)'s 16 % on 2031-09-01 (fail; 18 % with the
    default rule, pass), and its Battery Pass pre-consumer cobalt share 0 (post 11.6 %)."""
    settings = tmp_path / "settings.yaml"
    settings.write_text("evidence:\n  eu-batteries: {kinds: [post_consumer], chains_of_custody: [segregated, "
                        "mass_balance]}\n", encoding="utf-8")
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--as-of", "2031-09-01", "--settings", str(settings))
    assert r.exit_code == 0, r.output
    cs = json.loads(r.stdout)["credentialSubject"]
    co = next(c for c in cs["conformityClaim"] if c[LS + "ruleCode"] == "BATT-8-CO")
    assert co[LS + "conformance"] == "fail"
    assert co["declaredValue"][0]["metricValue"] == {"value": pytest.approx(11.6), "unit": "P1"}
    bp = "urn:samm:io.BatteryPass.Circularity:1.2.0#"
    cobalt = next(e for e in cs[bp + "recycledContent"] if e[bp + "recycledMaterial"] == "Cobalt")
    assert (cobalt[bp + "preConsumerShare"], cobalt[bp + "postConsumerShare"]) == (0.0, pytest.approx(11.6))
    bad = tmp_path / "bad.yaml"
    bad.write_text("evidence:\n  eu-batteries: {kinds: [sideways]}\n", encoding="utf-8")
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--settings", str(bad))
    assert r.exit_code == 2 and "kinds is a list of" in r.stderr and "Traceback" not in r.output


class Page(HTMLParser):
    """Section ids, tags, text, and the data-value of each table cell of the materials table."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: set[str] = set()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.values: dict[str, list[float]] = {}
        self._section = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self._section = a.get("id", "")
            self.sections.add(self._section)
        if "data-value" in a:
            self.values.setdefault(self._section, []).append(float(a["data-value"]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_is_parsed_and_escaped(battery_store: Path, tmp_path: Path) -> None:
    """The product is named "EV pack <60 kWh>": the page shows it as text. Its cells carry the
    passport's exact numbers (data-value): recycled content, MCI, every mass fraction."""
    out = tmp_path / "p.html"
    r = invoke("passport", "P-EV", "--store", str(battery_store), "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    assert {"identity", "circularity", "emissions", "materials", "battery", "claims", "notes"} <= page.sections
    assert "script" not in page.tags and "<60 kWh>" not in html and "EV pack &lt;60 kWh&gt;" in html
    assert "EV pack <60 kWh>" in "".join(page.text)
    doc = json.loads(invoke("passport", "P-EV", "--store", str(battery_store)).stdout)
    c = doc["credentialSubject"]["circularityScorecard"]
    assert c["recycledContent"] in page.values["circularity"] and c["materialCircularityIndicator"] in page.values["circularity"]
    fractions = [m["massFraction"] for m in doc["credentialSubject"]["materialsProvenance"]]
    assert all(f in page.values["materials"] for f in fractions)
    assert "unknown" in "".join(page.text)


def test_all_writes_two_files_per_product(battery_store: Path, tmp_path: Path) -> None:
    r = invoke("passport", "--all", "-o", str(tmp_path / "out"), "--store", str(battery_store))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "P-EV.html", "P-EV.jsonld", "P-IND.html", "P-IND.jsonld", "P-IND2.html", "P-IND2.jsonld"]
    r = invoke("passport", "--all", "--format", "jsonld", "-o", str(tmp_path / "only"), "--store", str(battery_store))
    assert r.exit_code == 0 and len(list((tmp_path / "only").glob("*.html"))) == 0


def test_schema_option(battery_store: Path, tmp_path: Path, untp: Path) -> None:
    """The UNTP schema passes (exit 0); a schema asking for a field passports lack fails (exit 1, every
    error on stderr, nothing written); a file that is not a schema is bad input (exit 2)."""
    schema = untp / "untp-dpp-schema.json"
    out = tmp_path / "ok.jsonld"
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--schema", str(schema), "-o", str(out))
    assert r.exit_code == 0 and out.is_file(), r.output
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                                  "required": ["validUntil", "credentialStatus"]}), encoding="utf-8")
    r = invoke("passport", "--all", "-o", str(tmp_path / "none"), "--store", str(battery_store), "--schema", str(strict))
    assert r.exit_code == 1, r.output
    assert r.stderr.count("'validUntil' is a required property") == 3 and not (tmp_path / "none").exists()
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": 12}', encoding="utf-8")
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--schema", str(bad))
    assert r.exit_code == 2 and "not a valid JSON Schema" in r.stderr


def test_key_signs_and_verify_checks(battery_store: Path, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    out = tmp_path / "signed.jsonld"
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--key", str(key), "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["issuer"]["id"].startswith("did:key:z6Mk") and doc["issuer"]["name"] == "Maker SA"
    r = invoke("passport", "--verify", str(out))
    assert r.exit_code == 0 and "signature verified (eddsa-jcs-2022" in r.stdout
    doc["credentialSubject"]["circularityScorecard"]["recycledContent"] = 0.99
    out.write_text(json.dumps(doc), encoding="utf-8")
    r = invoke("passport", "--verify", str(out))
    assert r.exit_code == 1 and "signature does NOT verify" in r.stdout
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--key", str(tmp_path / "missing.pem"))
    assert r.exit_code == 2 and "cannot read the key file" in r.stderr


def test_issuer_option(battery_store: Path) -> None:
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--issuer", "did:web:maker.example")
    assert r.exit_code == 0 and json.loads(r.stdout)["issuer"] == {"type": ["CredentialIssuer"],
                                                                   "id": "did:web:maker.example", "name": "Maker SA"}
    r = invoke("passport", "P-EV", "--store", str(battery_store), "--issuer", "https://maker.example")
    assert r.exit_code == 2 and "is not a DID" in r.stderr


@pytest.mark.parametrize("args, message", [
    (("P-EVX",), "unknown product 'P-EVX'; did you mean 'P-EV'?"),
    (("P-EV", "--all", "-o", "x"), "give a PRODUCT_ID or --all"),
    ((), "give a PRODUCT_ID or --all"),
    (("--all",), "give the output folder with -o FOLDER"),
    (("P-EV", "--verify", "x.jsonld"), "--verify checks a passport file"),
])
def test_bad_usage_exits_2(battery_store: Path, args: tuple[str, ...], message: str) -> None:
    r = invoke("passport", *args, "--store", str(battery_store))
    assert r.exit_code == 2, r.output
    assert message in r.stderr and "Traceback" not in r.output


def test_run_writes_passports_with_the_other_outputs(tmp_path: Path) -> None:
    data = copy_demo(tmp_path / "data")
    r = invoke("run", str(data), "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    folder = tmp_path / "out" / "passports"
    products = ["P-ORV-EBIKE", "P-ORV-ESS2", "P-ORV-EVB75", "P-ORV-PET500", "P-ORV-TRAY"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{p}.{x}" for p in products for x in ("html", "jsonld"))
    doc = json.loads((folder / "P-ORV-EVB75.jsonld").read_text(encoding="utf-8"))
    validation = json.loads((tmp_path / "out" / "validation.json").read_text(encoding="utf-8"))
    # the claims' failures are the run's own results about the product's units (one computation)
    found = {(r["code"], r["focus"]) for r in validation["results"]
             if r["code"] == "CRMA-65" or r["focus"].startswith("P-ORV-EVB75/")}
    claimed = set()
    for c in doc["credentialSubject"]["conformityClaim"]:
        code = c[LS + "ruleCode"]
        unit = c["id"].split(f"/claim/{code}/")[1]  # a battery unit's key without the product
        if c[LS + "conformance"] == "fail":
            claimed.add((code, unit if code.startswith("CRMA") else f"P-ORV-EVB75/{unit}"))
    assert claimed == found == {("CRMA-65", "BatteryGradeLithium/2024"), ("BATT-8-EVIDENCE", "P-ORV-EVB75/S-ORV-LYO/2024")}
    assert f"  passports:  {tmp_path / 'out' / 'passports'}/" in r.stdout


@pytest.mark.server
def test_remote_endpoint_gives_the_same_passport(endpoint: tuple[str, str], battery_dir: Path,
                                                 battery_store: Path) -> None:
    """The battery data built into `oxigraph serve` through --endpoint: the passport's subject equals the
    embedded store's, except the note that names where the figures come from."""
    q, u = endpoint
    r = invoke("build", str(battery_dir), "--endpoint", q, "--update-endpoint", u)
    assert r.exit_code == 0, r.output
    docs = []
    for where in (("--endpoint", q), ("--store", str(battery_store))):
        r = invoke("passport", "P-EV", *where, "--as-of", "2031-09-01")
        assert r.exit_code == 0, r.output
        cs = json.loads(r.stdout)["credentialSubject"]
        cs[LS + "note"] = [n for n in cs[LS + "note"] if not n.startswith("figures from")]
        docs.append(cs)
    assert docs[0] == docs[1]


def test_run_passports_switch_with_the_other_outputs(tmp_path: Path) -> None:
    """OUT/passports is a fixed link into the current output set (pipeline.py), like report.html; a
    folder named passports that loopsource did not write (a file that is not a passport in it) is
    refused with exit 2 and left as it was."""
    import os

    data = copy_demo(tmp_path / "data")
    foreign = tmp_path / "foreign"
    (foreign / "passports").mkdir(parents=True)
    (foreign / "passports" / "notes.txt").write_text("mine", encoding="utf-8")
    r = invoke("run", str(data), "--out", str(foreign))
    assert r.exit_code == 2 and "not a folder of passports" in r.stderr
    assert [p.name for p in (foreign / "passports").iterdir()] == ["notes.txt"]
    out = tmp_path / "out"
    r = invoke("run", str(data), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert os.readlink(out / "passports") == ".current/passports"
    assert (out / "passports" / "P-ORV-EVB75.jsonld").resolve().parent == (out / ".current").resolve() / "passports"
