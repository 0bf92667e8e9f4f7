"""Progress of long stages: lines with step, count, rate and ETA on a terminal; nothing in pipes or CI."""
from __future__ import annotations

import io
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from loopsource import progress as prog
from loopsource.cli import main
from loopsource.progress import Meter, Tick


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_meter_lines_rate_eta_and_throttle() -> None:
    """4,000 of 10,000 rows after 2 s: 2,000 rows/s, 6,000 left -> ETA 3s; a tick 0.1 s later is
    dropped (interval 0.25 s); the final tick always shows, with its duration, and ends the line."""
    out, clock = FakeTTY(), Clock()
    m = Meter(out, interval=0.25, clock=clock)
    m(Tick("build", "loading", 0, 10_000, "rows"))
    clock.t += 2.0
    m(Tick("build", "loading", 4_000, 10_000, "rows"))
    clock.t += 0.1
    m(Tick("build", "loading", 4_500, 10_000, "rows"))
    clock.t += 2.9
    m(Tick("build", "loading", 10_000, 10_000, "rows", final=True))
    frames = out.getvalue().split("\r")
    assert frames[2].rstrip() == "build: loading  4,000 / 10,000 rows  2,000 rows/s  ETA 3s"
    assert not any("4,500" in f for f in frames)
    assert frames[3] == "build: loading  10,000 / 10,000 rows  2,000 rows/s  done in 5.0s\n"


def test_meter_unknown_total_and_new_step_keeps_the_last_line() -> None:
    out, clock = FakeTTY(), Clock()
    m = Meter(out, interval=0.0, clock=clock)
    clock.t += 4.0
    m(Tick("reason", "reading graphs", 0, None, "triples"))
    clock.t += 0.5
    m(Tick("reason", "inferring (rules)", 0, None, "triples"))
    clock.t += 2.0
    m(Tick("reason", "inferring (rules)", 7_000, None, "triples", final=True))
    text = out.getvalue()
    assert "reason: reading graphs\n" in text  # the earlier step's line is kept
    assert text.endswith("\rreason: inferring (rules)  7,000 triples  3,500 triples/s  done in 2.0s\n")
    assert "ETA" not in text


def test_for_stream_only_on_a_terminal_outside_ci() -> None:
    assert isinstance(prog.for_stream(FakeTTY(), environ={}), Meter)
    assert prog.for_stream(io.StringIO(), environ={}) is prog.silent  # a pipe or file
    assert prog.for_stream(FakeTTY(), environ={"CI": "true"}) is prog.silent
    assert prog.wanted(FakeTTY(), environ={"CI": "false"})


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stderr claims to be a terminal; CI is unset."""
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False)
    monkeypatch.delenv("CI", raising=False)


STEPS = ("build: checking CSV and loading triples", "reason: inferring (rules)", "validate: pySHACL",
         "report: computing metrics")


def test_run_shows_progress_on_a_terminal(terminal: None, mini_dir: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["run", str(mini_dir), "--out", str(tmp_path / "out")])
    assert r.exit_code in (0, 1), r.output
    for step in STEPS:
        assert step in r.stderr, step
    assert "triples/s" in r.stderr and "done in" in r.stderr


def test_quiet_under_ci_and_with_quiet(terminal: None, mini_dir: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    r = CliRunner().invoke(main, ["-q", "build", str(mini_dir), "--store", str(tmp_path / "s1")])
    assert r.exit_code == 0 and "triples/s" not in r.stderr
    monkeypatch.setenv("CI", "true")
    r = CliRunner().invoke(main, ["build", str(mini_dir), "--store", str(tmp_path / "s2")])
    assert r.exit_code == 0 and "triples/s" not in r.stderr


def test_no_progress_in_a_pipe(mini_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    r = CliRunner().invoke(main, ["build", str(mini_dir), "--store", str(tmp_path / "s")])
    assert r.exit_code == 0
    assert "triples/s" not in r.stderr and "\r" not in r.stderr
