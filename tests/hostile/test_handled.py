"""Hostile situations that are handled rather than refused: symlinked outputs are written
through, catalogue names win over files in the current folder, escape sequences in data are
not printed raw, a runaway query stops at --timeout, and readers beside a writer never fail."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pyoxigraph as ox

from loopsource.store import EmbeddedStore
from loopsource.store.generations import sweep

from .conftest import World, assert_clean_refusal, snapshot


def test_symlinked_output_is_written_through(world: World) -> None:
    """-o LINK replaces the file the link points to; the link stays a link."""
    target = world.root / "real.nq"
    target.write_text("old\n")
    link = world.root / "link.nq"
    link.symlink_to(target)
    r = world.cli("export", "--store", world.store, "-o", link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").startswith("<")  # N-Quads now, not "old"


def test_dangling_symlink_output_creates_its_target(world: World) -> None:
    target = world.root / "made.nq"
    link = world.root / "link.nq"
    link.symlink_to(target)
    r = world.cli("export", "--store", world.store, "-o", link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and target.is_file()


def test_catalogue_name_wins_over_a_file_in_the_current_folder(world: World, monkeypatch) -> None:
    monkeypatch.chdir(world.root)
    Path("single-source-materials").write_text("SELECT ?x WHERE { BIND(\"hijacked\" AS ?x) }\n")
    r = world.cli("query", "single-source-materials", "--store", world.store)
    assert r.exit_code == 0, r.output
    assert "hijacked" not in r.stdout and "M-LI" in r.stdout
    r = world.cli("query", "./single-source-materials", "--store", world.store)
    assert r.exit_code == 0, r.output
    assert "hijacked" in r.stdout


def test_terminal_escape_sequences_in_data_are_not_printed_raw(world: World) -> None:
    (world.data / "materials.csv").write_text(
        "id,name,class\nM-LI,\x1b]0;owned\x07\x1b[2JLithium\u202e,Lithium\nM-AL,Aluminium,Aluminium\n"
        "M-PET,PET,PET\n", encoding="utf-8")
    store = world.root / "s"
    assert world.cli("build", world.data, "--store", store).exit_code == 0
    r = world.cli("query", "single-source-materials", "--store", store)
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\u202e" not in r.stdout
    assert "\\x1b]0;owned\\x07\\x1b[2JLithium\\u202e" in r.stdout
    # machine formats keep the data as it is
    r = world.cli("query", "single-source-materials", "--store", store, "--format", "json")
    assert "\\u001b]0;owned" in r.stdout or "\x1b]0;owned" in r.stdout


def test_runaway_query_stops_at_timeout(world: World) -> None:
    q = world.root / "slow.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }\n")
    before = world.snapshot()
    r = world.cli("query", q, "--store", world.store, "--timeout", "1")
    assert_clean_refusal(r, 2, r"the query ran longer than 1 s and was stopped")
    assert world.snapshot() == before


def test_ctrl_c_cancels_an_embedded_query(world: World) -> None:
    """SIGINT during a long query: exit 130 within a second or two, not when the query ends."""
    import signal
    import time

    q = world.root / "slow.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }\n")
    proc = subprocess.Popen([sys.executable, "-m", "loopsource", "query", str(q), "--store", str(world.store),
                             "--timeout", "600"], stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert time.monotonic() - t0 < 10
    assert b"interrupted" in err and b"Traceback" not in err


def test_readers_beside_a_writer_never_fail(world: World) -> None:
    """Five builds switch generations while this process reads the store without pause."""
    store = world.root / "busy"
    assert world.cli("build", world.data, "--store", store).exit_code == 0
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                gs = EmbeddedStore(store, read_only=True)
                n = gs.count("https://w3id.org/loopsource/graph/asserted")
                assert n > 0
                gs.export("https://w3id.org/loopsource/graph/asserted", ox.RdfFormat.N_TRIPLES)
                gs.close()
            except BaseException as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        for _ in range(5):
            subprocess.run([sys.executable, "-m", "loopsource", "build", str(world.data), "--store", str(store)],
                           check=True, capture_output=True, timeout=120)
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert errors == []
    sweep(store)
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("db-")) == ["db-000006"]


def test_a_pinned_generation_outlives_a_build(world: World) -> None:
    """A reader that opened generation 1 keeps it (and can read it) after a build made generation 2;
    the next write after it closes removes generation 1."""
    store = world.root / "pinned"
    assert world.cli("build", world.data, "--store", store).exit_code == 0
    reader = EmbeddedStore(store, read_only=True)
    assert world.cli("build", world.data, "--store", store).exit_code == 0
    assert (store / "db-000001").is_dir()
    assert reader.count("https://w3id.org/loopsource/graph/asserted") > 0
    reader.close()
    assert world.cli("build", world.data, "--store", store).exit_code == 0
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("db-")) == ["db-000003"]


def test_a_killed_builds_temporary_generation_is_removed_at_the_next_build(world: World) -> None:
    store = world.root / "left"
    assert world.cli("build", world.data, "--store", store).exit_code == 0
    leftover = store / "db-abandoned.tmp"
    (leftover / "oxigraph").mkdir(parents=True)  # what a SIGKILLed writer leaves (its lock died with it)
    assert world.cli("build", world.data, "--store", store).exit_code == 0
    assert not leftover.exists()
    assert snapshot(store)["current"] == "-> db-000002"
