"""Reasoning: named entailments users rely on, engine agreement (rules == owlrl), idempotence,
and inferred triples kept apart from asserted ones."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.reason import OwlrlEngine, RulesEngine, inferred_status, is_noise, read_graph, reason
from loopsource.store import EmbeddedStore
from loopsource.rdf.vocab import GRAPHS, ID, LS, REGION

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"

ORG = "http://www.w3.org/ns/org#"


def inferred(store: EmbeddedStore, s: str, p: str, o: str) -> bool:
    return store.ask(f"ASK {{ GRAPH <{GRAPHS.inferred}> {{ <{s}> <{p}> <{o}> }} }}")


@pytest.fixture
def mini_store(mini_dir: Path, build_store) -> EmbeddedStore:
    return build_store(mini_dir, reason=True)


def test_site_is_within_country_subregion_region_world_and_eu(mini_store: EmbeddedStore) -> None:
    paris = ID + "site/S-PLANT"
    for region in ("FR", "m49-155", "m49-150", "m49-001", "EU"):
        assert inferred(mini_store, paris, LS + "within", REGION + region), region
    shanghai = ID + "site/S-SUP2"
    for region in ("CN", "m49-030", "m49-142", "m49-001"):
        assert inferred(mini_store, shanghai, LS + "within", REGION + region), region
    assert not mini_store.ask(f"ASK {{ <{shanghai}> ls:within <{REGION}EU> }}")


def test_material_is_instance_of_its_class_ancestors(mini_store: EmbeddedStore) -> None:
    # battery-grade lithium carbonate: BatteryGradeLithium = Lithium and grade "battery" (cls-int1, cls-hv2)
    lithium_carbonate = ID + "material/M-LI"
    for cls in ("LithiumCarbonate", "Lithium", "BatteryGradeLithium", "StrategicRawMaterial", "CriticalRawMaterial",
                "Material"):
        assert mini_store.ask(f"ASK {{ <{lithium_carbonate}> a ls:{cls} }}"), cls
    for cls in ("BatteryGradeLithium", "StrategicRawMaterial", "CriticalRawMaterial", "Material"):
        assert inferred(mini_store, lithium_carbonate, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", LS + cls)
    pet = ID + "material/M-PET"
    assert inferred(mini_store, pet, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", LS + "Plastic")
    assert not mini_store.ask(f"ASK {{ <{pet}> a ls:CriticalRawMaterial }}")


def test_inverse_links_organisation_sites_purchases(mini_store: EmbeddedStore) -> None:
    assert inferred(mini_store, ID + "org/ORG-SUP1", ORG + "hasSite", ID + "site/S-SUP1")
    assert inferred(mini_store, ID + "site/S-SUP1", LS + "suppliesPurchase", ID + "purchase/PO-1")
    rows = mini_store.select("""SELECT ?po WHERE { <%sorg/ORG-SUP1> org:hasSite/ls:suppliesPurchase/ls:id ?po }
                                ORDER BY ?po""" % ID).values()
    assert [r["po"] for r in rows] == ["PO-1", "PO-3"]


def test_purchase_is_linked_to_the_regions_it_is_sourced_from(mini_store: EmbeddedStore) -> None:
    rows = mini_store.select(f"""SELECT ?r WHERE {{ GRAPH <{GRAPHS.inferred}> {{
        <{ID}purchase/PO-2> ls:sourcedFrom ?r }} }}""").values()
    assert {r["r"] for r in rows} == {REGION + x for x in ("CN", "m49-030", "m49-142", "m49-001")}


def test_loop_classified_circular_or_not(mini_store: EmbeddedStore) -> None:
    assert mini_store.ask(f"ASK {{ <{ID}loop/L-1> a ls:CircularLoop }}")  # recycle
    assert mini_store.ask(f"ASK {{ <{ID}loop/L-2> a ls:NonCircularLoop }}")  # recover
    assert not mini_store.ask(f"ASK {{ <{ID}loop/L-2> a ls:CircularLoop }}")


def test_product_contains_bom_materials(mini_store: EmbeddedStore) -> None:
    rows = mini_store.select(f"SELECT ?m WHERE {{ <{ID}product/P-BAT> ls:containsMaterial/ls:id ?m }} ORDER BY ?m")
    assert [r["m"] for r in rows.values()] == ["M-AL", "M-LI"]


def test_clean_closure_has_no_noise(mini_store: EmbeddedStore) -> None:
    triples = read_graph(mini_store, GRAPHS.inferred)
    assert triples
    assert not [t for t in triples if is_noise(*t)]
    assert not [t for t in triples if t[0].startswith('"') or t[0].startswith("_:") or t[2].startswith("_:")]
    assert not [t for t in triples if t[1].endswith("#sameAs>")]
    assert not [t for t in triples if t[2] in ("<http://www.w3.org/2002/07/owl#Thing>",
                                               "<http://www.w3.org/2000/01/rdf-schema#Resource>")]


def test_inferred_never_enters_asserted_and_reason_is_idempotent(mini_dir: Path, build_store) -> None:
    store = build_store(mini_dir, reason=False)
    asserted_before = set(read_graph(store, GRAPHS.asserted))
    assert inferred_status(store) == "stale"
    reason(store)
    first = set(read_graph(store, GRAPHS.inferred))
    assert inferred_status(store) == "current"
    reason(store)
    second = set(read_graph(store, GRAPHS.inferred))
    assert first == second
    assert set(read_graph(store, GRAPHS.asserted)) == asserted_before
    assert not (first & asserted_before)
    assert not (first & set(read_graph(store, GRAPHS.ontology)))


def test_build_empties_inferred_and_marks_it_stale(mini_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "s"
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(mini_dir), "--store", str(root)]).exit_code == 0
    res = runner.invoke(main, ["reason", "--store", str(root)])
    assert res.exit_code == 0, res.output
    assert "inferred" in res.output
    store = EmbeddedStore(root)
    assert store.count(GRAPHS.inferred) > 0
    store.close()
    assert runner.invoke(main, ["build", str(mini_dir), "--store", str(root)]).exit_code == 0
    store = EmbeddedStore(root)
    assert store.count(GRAPHS.inferred) == 0
    assert inferred_status(store) == "stale"


def test_reason_records_provenance(mini_store: EmbeddedStore) -> None:
    rows = mini_store.select(f"""SELECT ?engine ?n WHERE {{ GRAPH <{GRAPHS.meta}> {{
        <{GRAPHS.inferred}> prov:wasGeneratedBy ?run . ?run ls:engine ?engine ; ls:triplesInferred ?n }} }}""").values()
    assert rows and rows[0]["engine"] == "rules"
    assert rows[0]["n"] == mini_store.count(GRAPHS.inferred)


def _closures(store: EmbeddedStore) -> tuple[frozenset, frozenset]:
    onto = read_graph(store, GRAPHS.ontology)
    data = read_graph(store, GRAPHS.asserted)
    return RulesEngine().infer(onto, data).triples, OwlrlEngine().infer(onto, data).triples


def test_differential_mini(mini_dir: Path, build_store) -> None:
    fast, ref = _closures(build_store(mini_dir, reason=False))
    assert fast == ref
    assert len(fast) > 300


def test_differential_demo(build_store) -> None:
    if not (DEMO / "purchases.csv").exists():
        pytest.fail("data/demo is missing")
    fast, ref = _closures(build_store(DEMO, reason=False))
    assert fast == ref, (sorted(fast - ref)[:10], sorted(ref - fast)[:10])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_differential_generated(seed: int, tmp_path: Path, build_store) -> None:
    from loopsource.devdata.generate import generate

    generate(tmp_path / "gen", suppliers=10, seed=seed)
    fast, ref = _closures(build_store(tmp_path / "gen", reason=False))
    assert fast == ref, (sorted(fast - ref)[:10], sorted(ref - fast)[:10])


def test_differential_user_schema_extension(mini_dir: Path, build_store) -> None:
    """A user's own subclass, inverse and transitive axioms are honoured the same by both engines."""
    (mini_dir / "extension.ttl").write_text("""
@prefix ls: <https://w3id.org/loopsource/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/> .
ex:BatteryGradeLithium rdfs:subClassOf ls:Lithium .
ex:audited owl:inverseOf ex:auditedBy .
ex:Audited owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:auditedBy ; owl:hasValue ex:TUV ] .
<https://w3id.org/loopsource/id/material/M-LI> a ex:BatteryGradeLithium .
<https://w3id.org/loopsource/id/site/S-SUP2> ex:auditedBy ex:TUV .
""")
    store = build_store(mini_dir, reason=False)
    fast, ref = _closures(store)
    assert fast == ref
    assert ("<https://w3id.org/loopsource/id/site/S-SUP2>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
            "<https://example.org/Audited>") in fast
    assert ("<https://example.org/TUV>", "<https://example.org/audited>",
            "<https://w3id.org/loopsource/id/site/S-SUP2>") in fast


def test_unsupported_schema_falls_back_to_owlrl(mini_dir: Path, build_store) -> None:
    (mini_dir / "functional.ttl").write_text("""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<https://example.org/p> a owl:FunctionalProperty .
""")
    store = build_store(mini_dir, reason=False)
    onto, data = read_graph(store, GRAPHS.ontology), read_graph(store, GRAPHS.asserted)
    result = RulesEngine().infer(onto, data)
    assert "owlrl" in result.note
    assert result.triples == OwlrlEngine().infer(onto, data).triples


def test_readers_say_when_inferred_graph_is_stale(mini_dir: Path, tmp_path: Path) -> None:
    root = str(tmp_path / "s")
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(mini_dir), "--store", root]).exit_code == 0
    for args in (["query", "loops-by-strategy", "--store", root], ["report", "--store", root, "--format", "json"]):
        res = runner.invoke(main, args)
        assert res.exit_code == 0, res.output
        assert "inferred graph is stale" in res.stderr and "asserted data only" in res.stderr
    assert runner.invoke(main, ["reason", "--store", root]).exit_code == 0
    res = runner.invoke(main, ["query", "loops-by-strategy", "--store", root])
    assert res.exit_code == 0 and "stale" not in res.stderr
