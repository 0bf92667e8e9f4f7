"""Generated passports against the UNTP reference files (../shared/untp): every passport validates
against the UNTP DPP JSON Schema, expands offline with the published contexts, gives the same
triples with loopsource's own context as with the published ones, and loads back into a store
with its figures intact (round trip)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib import XSD, Literal
from rdflib.compare import isomorphic

from loopsource.errors import InputError
from loopsource.load.build import build
from loopsource.load.jsonld import inline_known_contexts
from loopsource.passport import BATTERY_PASS, build_passport, read_inputs
from loopsource.rdf.vocab import LS
from loopsource.scenario import load_factors
from loopsource.store import EmbeddedStore

from .conftest import copy_demo, offline_loader, open_read_only, write_battery_data

CORE = "https://test.uncefact.org/vocabulary/untp/core/working/"


def passports(store: Path, *, signed: bool = False) -> dict[str, dict]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    gs = open_read_only(store)
    try:
        inputs = read_inputs(gs)
    finally:
        gs.close()
    key = Ed25519PrivateKey.generate() if signed else None
    return {pid: build_passport(inputs, pid, load_factors(), key=key)[1] for pid in sorted(inputs.snapshot.products)}


@pytest.fixture(scope="module")
def every_passport(demo_store: Path, battery_store: Path, generated_store: Path) -> dict[str, dict]:
    """Both demo products, the three battery-data products (one signed copy of each too) and every
    generated-data product."""
    out = {f"demo/{k}": v for k, v in passports(demo_store).items()}
    out |= {f"battery/{k}": v for k, v in passports(battery_store).items()}
    out |= {f"battery-signed/{k}": v for k, v in passports(battery_store, signed=True).items()}
    out |= {f"generated/{k}": v for k, v in passports(generated_store).items()}
    assert {"demo/P-ORV-EVB75", "demo/P-ORV-PET500", "battery/P-EV", "generated/P-EVB-75"} <= set(out)
    return out


def test_every_passport_validates_against_the_untp_schema(every_passport: dict[str, dict], untp_schema: dict) -> None:
    validator = jsonschema.Draft202012Validator(untp_schema)
    for name, doc in every_passport.items():
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, (name, errors[:5])


def test_the_schema_check_has_teeth(every_passport: dict[str, dict], untp_schema: dict) -> None:
    """A string massFraction, a missing issuer name, an unknown conformity topic: each is caught."""
    doc = json.loads(json.dumps(every_passport["battery/P-EV"]))
    doc["credentialSubject"]["materialsProvenance"][0]["massFraction"] = "0.1"
    del doc["issuer"]["name"]
    doc["credentialSubject"]["conformityClaim"][0]["conformityTopic"] = "circularity.magic"
    paths = {e.json_path for e in jsonschema.Draft202012Validator(untp_schema).iter_errors(doc)}
    assert paths == {"$.credentialSubject.materialsProvenance[0].massFraction", "$.issuer",
                     "$.credentialSubject.conformityClaim[0].conformityTopic"}


def _published(doc: dict, untp: Path) -> rdflib.Graph:
    """The passport's triples with the published contexts (pyld, offline); graph names dropped (a
    proof sits in its own graph), as loopsource's loader drops them."""
    nquads = jsonld.to_rdf(doc, {"documentLoader": offline_loader(untp), "format": "application/n-quads"})
    triples = (q.triple for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    return rdflib.Graph().parse(data=(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8"),
                                format="nt")


def _ours(doc: dict) -> rdflib.Graph:
    """The passport's triples as loopsource's loader reads them (pyoxigraph, loopsource's context)."""
    quads = ox.parse(inline_known_contexts(json.dumps(doc)), format=ox.RdfFormat.JSON_LD)
    text = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b""
    return rdflib.Graph().parse(data=text.decode("utf-8"), format="nt")


_NUMERIC = {XSD.double, XSD.integer, XSD.decimal}


def _pyld_numbers(g: rdflib.Graph) -> rdflib.Graph:
    """Numbers as pyld writes them: xsd:double with 16 significant digits ('%1.15E'; pyld's canonical
    form rounds the 17th digit away), integers included (pyld types a JSON 1.0 as a double, JSON-LD
    processors that see the number 1 type it xsd:integer). Applied to both graphs, so only real
    differences remain."""
    out = rdflib.Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype in _NUMERIC:
            o = Literal(repr(float(f"{float(o):1.15E}")), datatype=XSD.double, normalize=False)
        out.add((s, p, o))
    return out


def _scalars(node: object) -> list[object]:
    if isinstance(node, dict):
        return [x for k, v in node.items() if k not in ("@context", "type") for x in _scalars(v)]
    if isinstance(node, list):
        return [x for v in node for x in _scalars(v)]
    return [node]


def test_passports_expand_offline_and_loopsource_reads_them_alike(every_passport: dict[str, dict], untp: Path) -> None:
    """pyld with the published contexts (served from ../shared/untp by a loader that refuses any other
    URL) and loopsource's loader with its own context give isomorphic graphs, and no value is dropped:
    every number and text of the passport is in them."""
    for name, doc in every_passport.items():
        published, ours = _published(doc, untp), _ours(doc)
        # the expansion is not empty: the passport node carries its properties (product, provenance,
        # scorecard, notes ...); that nothing is dropped is checked value by value below
        assert len(set(published.predicates(rdflib.URIRef(doc["credentialSubject"]["id"]), None))) >= 5, name
        assert isomorphic(_pyld_numbers(published), _pyld_numbers(ours)), name
        quads = ox.parse(inline_known_contexts(json.dumps(doc)), format=ox.RdfFormat.JSON_LD)
        texts = {t.value for q in quads for t in (q.subject, q.object) if not isinstance(t, ox.BlankNode)}
        numbers = {float(o) for o in ours.objects() if isinstance(o, Literal) and o.datatype in _NUMERIC}
        for x in _scalars(doc):
            if isinstance(x, bool) or x is None:
                continue
            if isinstance(x, (int, float)):
                assert float(x) in numbers, (name, x)
            else:
                assert any(str(x) in t for t in texts), (name, x)


def test_the_offline_loader_fetches_nothing(untp: Path) -> None:
    """Any other context URL reaches the loader, which refuses it: pyld fails, nothing is fetched."""
    base, seen = offline_loader(untp), []

    def spy(url: str, options: dict | None = None) -> dict:
        seen.append(url)
        return base(url, options)

    with pytest.raises(jsonld.JsonLdError, match="loading remote context failed"):
        jsonld.expand({"@context": "https://example.org/elsewhere", "name": "x"}, {"documentLoader": spy})
    assert seen == ["https://example.org/elsewhere"]
    with pytest.raises(RuntimeError, match="refusing to fetch"):
        base("https://example.org/elsewhere")


def _query(store: EmbeddedStore, text: str) -> list[dict]:
    return store.select(text).values()


def test_round_trip_through_a_store(tmp_path: Path, battery_store: Path) -> None:
    """The battery data plus its passports (P-EV signed) as user RDF files build into a store whose
    UNTP and Battery Pass triples give back the passport's figures."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    gs = open_read_only(battery_store)
    try:
        inputs = read_inputs(gs)
    finally:
        gs.close()
    data = write_battery_data(tmp_path / "data")
    docs = {}
    for pid in ("P-EV", "P-IND"):
        key = Ed25519PrivateKey.generate() if pid == "P-EV" else None
        docs[pid] = build_passport(inputs, pid, load_factors(), key=key)[1]
        (data / f"passport-{pid}.jsonld").write_text(json.dumps(docs[pid], indent=2), encoding="utf-8")
    build(data, tmp_path / "store")
    store = EmbeddedStore(tmp_path / "store", read_only=True)
    try:
        _check_provenance(store, docs["P-EV"])
        _check_scorecards(store, docs)
        _check_battery_pass_and_claims(store, docs["P-EV"])
    finally:
        store.close()


def _check_provenance(store: EmbeddedStore, doc: dict) -> None:
    got = {(r["material"], r["country"]): r for r in _query(store, f"""
        PREFIX core: <{CORE}> PREFIX ls: <{LS}>
        SELECT ?material ?country ?fraction ?recycled ?kg WHERE {{
          <https://w3id.org/loopsource/id/passport/P-EV> core:materialsProvenance ?m .
          ?m ls:material ?material ; core:massFraction ?fraction ; core:mass/core:value ?kg .
          OPTIONAL {{ ?m core:originCountry ?country }} OPTIONAL {{ ?m core:recycledMassFraction ?recycled }} }}""")}
    want = {}
    for m in doc["credentialSubject"]["materialsProvenance"]:
        cc = m.get("originCountry")
        want[(m[LS + "material"]["id"], f"https://vocabulary.uncefact.org/CountryId#{cc}" if cc else None)] = m
    assert set(got) == set(want)
    for key, m in want.items():
        assert got[key]["fraction"] == pytest.approx(m["massFraction"], rel=1e-15)
        assert got[key]["kg"] == pytest.approx(m["mass"]["value"], rel=1e-15)
        assert got[key]["recycled"] == (pytest.approx(m["recycledMassFraction"], rel=1e-15)
                                        if "recycledMassFraction" in m else None)


def _check_scorecards(store: EmbeddedStore, docs: dict[str, dict]) -> None:
    rows = _query(store, f"""
        PREFIX core: <{CORE}> PREFIX ls: <{LS}>
        SELECT ?product ?recycled ?recyclable ?mci ?x ?footprint WHERE {{
          ?passport core:product ?product ; core:circularityScorecard ?c .
          ?c core:recycledContent ?recycled ; core:recyclableContent ?recyclable ;
             core:materialCircularityIndicator ?mci ; core:utilityFactor ?x .
          OPTIONAL {{ ?passport core:emissionsScorecard/core:carbonFootprint ?footprint }} }}""")
    assert len(rows) == 2
    for r in rows:
        cs = docs[r["product"].rsplit("/", 1)[-1]]["credentialSubject"]
        c = cs["circularityScorecard"]
        assert (r["recycled"], r["recyclable"], r["mci"], r["x"]) == pytest.approx(
            (c["recycledContent"], c["recyclableContent"], c["materialCircularityIndicator"], c["utilityFactor"]),
            rel=1e-15)
        footprint = cs.get("emissionsScorecard", {}).get("carbonFootprint")
        assert r["footprint"] == (None if footprint is None else pytest.approx(footprint, rel=1e-15))


def _check_battery_pass_and_claims(store: EmbeddedStore, doc: dict) -> None:
    bp = {r["element"]: (r["pre"], r["post"]) for r in _query(store, f"""
        PREFIX bp: <{BATTERY_PASS}>
        SELECT ?element ?pre ?post WHERE {{
          <https://w3id.org/loopsource/id/passport/P-EV> bp:recycledContent ?e . ?e bp:recycledMaterial ?element .
          OPTIONAL {{ ?e bp:preConsumerShare ?pre }} OPTIONAL {{ ?e bp:postConsumerShare ?post }} }}""")}
    want = {e[BATTERY_PASS + "recycledMaterial"]: (e.get(BATTERY_PASS + "preConsumerShare"),
                                                   e.get(BATTERY_PASS + "postConsumerShare"))
            for e in doc["credentialSubject"][BATTERY_PASS + "recycledContent"]}
    assert bp == want
    claims = {(r["code"], r["id"]): (r["conformance"], r["value"]) for r in _query(store, f"""
        PREFIX core: <{CORE}> PREFIX ls: <{LS}>
        SELECT ?id ?code ?conformance ?value WHERE {{
          <https://w3id.org/loopsource/id/passport/P-EV> core:conformityClaim ?id .
          ?id ls:ruleCode ?code ; ls:conformance ?conformance ; core:declaredValue/core:metricValue/core:value ?value }}""")}
    assert claims == {(c[LS + "ruleCode"], c["id"]): (c[LS + "conformance"], c["declaredValue"][0]["metricValue"]["value"])
                      for c in doc["credentialSubject"]["conformityClaim"]}
    assert store.ask("ASK { ?proof <https://w3id.org/security#proofValue> ?v }")  # the signature came along


def test_other_remote_contexts_are_still_refused(tmp_path: Path) -> None:
    data = copy_demo(tmp_path / "data")
    (data / "elsewhere.jsonld").write_text(json.dumps({"@context": "https://example.org/ctx", "@id": "urn:x",
                                                       "name": "x"}), encoding="utf-8")
    with pytest.raises(InputError) as e:
        build(data, tmp_path / "store")
    assert any(p.file == "elsewhere.jsonld" and "not valid RDF" in p.reason for p in e.value.problems)
    shutil.rmtree(tmp_path / "store", ignore_errors=True)
