"""The main job as a library function: build, reason, validate (every profile) and report,
from a data directory into an output folder.

Nothing in the output folder is replaced until every stage has succeeded: the new store and
outputs are written as one set beside the old one, and one rename of a pointer switches the
store and the outputs together (layout below), so a failed or killed run leaves the previous
store, report, metrics and validation files as they were. The CLI's ``run`` prints the result.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .analysis.metrics import metrics_of
from .analysis.snapshot import read_snapshot
from .errors import OutputError, UsageError
from .emission_factors import FactorTable, load_table
from .memory import release_memory
from .files import atomic_write, atomic_write_text, kill_point, removed_on_failure
from .period import EVERYTHING, Period
from .load.build import BuildResult, build
from .load.mapping import ExportMapping, read_mapping
from .progress import Progress as Meter, Tick, silent
from .reason import DEFAULT_ENGINE, ReasonResult, reason
from .render.passport import run_passports
from .render.report import render, write_json
from .store import EmbeddedStore
from .store.generations import remove_store_tree
from .validate import ValidationReport, validate
from .validate.context import FROM_COMMAND_LINE, FROM_DATA_DIR, ComplianceContext, resolve_context

Progress = Callable[[str], None]
SEVERITY_RANK = {"violation": 2, "warning": 1}


@dataclass(frozen=True)
class RunResult:
    """What one run produced: each stage's own result, the metrics document and the output files."""

    data_dir: Path
    out_dir: Path
    built: BuildResult
    reasoned: ReasonResult
    validation: ValidationReport
    metrics: dict[str, Any]
    seconds: float
    validate_seconds: float
    report_seconds: float
    reason_seconds: float = 0.0  # the whole stage (engine, writing and loading the inferred graph)

    @property
    def report_path(self) -> Path:
        return self.out_dir / "report.html"

    @property
    def metrics_path(self) -> Path:
        return self.out_dir / "metrics.json"

    @property
    def validation_path(self) -> Path:
        return self.out_dir / "validation.json"

    @property
    def store_path(self) -> Path:
        return self.out_dir / "store"

    @property
    def passports_path(self) -> Path:
        return self.out_dir / PASSPORTS

    def counts(self) -> tuple[int, int]:
        """(violations, warnings) over every profile, as the report and validation.json count them."""
        by_profile = self.metrics["compliance"]["by_profile"].values()
        return sum(p["violations"] for p in by_profile), sum(p["warnings"] for p in by_profile)

    def fails(self, fail_on: str | None) -> bool:
        """Whether validation results reach ``fail_on`` ('violation' or 'warning')."""
        if not fail_on:
            return False
        n_viol, n_warn = self.counts()
        worst = 2 if n_viol else 1 if n_warn else 0
        return worst >= SEVERITY_RANK[fail_on]


def validation_json(validation: ValidationReport) -> str:
    data = validation.to_json()
    if not isinstance(data, str):
        data = json.dumps(data, indent=2, ensure_ascii=False)
    return data if data.endswith("\n") else data + "\n"


# The output folder (docs/security.md, "run: outputs and store switch together"):
#   OUT/.runs/000007/{store/, passports/, report.html, metrics.json, validation.json}   one set per run
#   OUT/.current -> .runs/000007                                            the one pointer
#   OUT/store -> .current/store, OUT/report.html -> .current/report.html, ...   fixed links
# A run writes its set into .runs/NNNNNN.tmp, renames it complete and then replaces .current
# in one rename: whoever looks sees the previous set or the new one, never a mix, whenever
# the process is killed. Leftovers (.tmp sets of killed runs, superseded sets nobody reads)
# are removed at the next run.
OUTPUTS = ("report.html", "metrics.json", "validation.json")
PASSPORTS = "passports"  # <product>.jsonld and .html of every product (docs/passport.md)
_LINKED = ("store", PASSPORTS, *OUTPUTS)
_RUNS, _POINTER = ".runs", ".current"


def _link_text(name: str) -> str:
    return f"{_POINTER}/{name}"


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output folder that is not a folder, or that holds under one of the names
    loopsource writes (store, report.html, metrics.json, validation.json) something that
    loopsource did not create there. Nothing is written or removed here."""
    if out_dir.is_symlink() and not out_dir.exists():
        raise UsageError(f"--out {out_dir}: a symlink to nothing; choose another --out")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: exists and is not a folder")
    for name in _LINKED:
        path = out_dir / name
        if path.is_symlink():
            if os.readlink(path) == _link_text(name):
                continue
            raise UsageError(f"--out {out_dir}: {path} is a symlink that loopsource did not make; "
                             "choose another --out or move it away (loopsource never replaces what it did not create)")
        if not path.exists():
            continue
        ours = _ours(path, name)
        if not ours:
            what = {"store": "not a loopsource store", PASSPORTS: "not a folder of passports"}.get(
                name, "not a regular file")
            raise UsageError(f"--out {out_dir}: {path} exists and is {what}; choose another --out or move it "
                             "away (loopsource never deletes what it did not create)")


def _ours(path: Path, name: str) -> bool:
    """Whether a real file or folder under a linked name is what an earlier loopsource wrote there."""
    if name == "store":
        return path.is_dir() and (path / "current").is_symlink()
    if name == PASSPORTS:
        return path.is_dir() and all(p.is_file() and not p.is_symlink() and p.suffix in (".jsonld", ".html")
                                     for p in path.iterdir())
    return path.is_file()


def run(data_dir: Path, out_dir: Path, *, engine: str = DEFAULT_ENGINE, policy: Path | None = None,
        settings: Path | None = None, as_of: date | None = None, progress: Progress = lambda _m: None,
        on_progress: Meter = silent, period: Period = EVERYTHING, mapping: Path | None = None,
        emission_factors: Path | None = None) -> RunResult:
    """Build, reason, validate and report ``data_dir`` into ``out_dir`` (see the module docstring).
    ``period``: the purchases and loops the metrics and the report cover (validation sees all);
    ``mapping``: a mapping file that reads ERP exports in place of contract files (docs/own-data.md);
    ``emission_factors``: the user's transport factor file (YAML or CSV) over the packaged table.

    The compliance context (as-of date, default today; the policy, default DATA_DIR/policy.yaml;
    the settings) is recorded in the new store (validate.context), so that ``validate`` and
    ``report`` on it give the same answer. A failed first run into a new folder removes it."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    check_out_dir(out_dir)
    export_mapping = read_mapping(mapping) if mapping is not None else None  # checked before anything is written
    factors = load_table(emission_factors)
    source = FROM_COMMAND_LINE
    if policy is None and (data_dir / "policy.yaml").is_file():
        policy, source = data_dir / "policy.yaml", FROM_DATA_DIR
    context = resolve_context(None, as_of=as_of, policy=policy, settings=settings, policy_source=source)
    with removed_on_failure(out_dir):
        return _run(data_dir, out_dir, engine, context, progress, on_progress, period, export_mapping, factors)


def _run(data_dir: Path, out_dir: Path, engine: str, context: ComplianceContext, progress: Progress,
         on_progress: Meter, period: Period, export_mapping: ExportMapping | None,
         factors: FactorTable) -> RunResult:
    t_all = time.perf_counter()
    try:
        runs = out_dir / _RUNS
        runs.mkdir(parents=True, exist_ok=True)
        lock = _lock_runs(runs, out_dir)
    except OSError as e:
        raise UsageError(f"--out {out_dir}: cannot write here: {e.strerror or e}") from None
    try:
        _sweep_runs(out_dir)
        work = runs / f"{_next_run(runs)}.tmp"
        shutil.rmtree(work, ignore_errors=True)
        try:
            produced = _produce(data_dir, work, engine, context, progress, on_progress, period, export_mapping,
                                factors)
            final = work.with_name(work.name[: -len(".tmp")])
            work.rename(final)
            kill_point("run:renamed")
            _switch_run(out_dir, final)
        except OSError as e:
            shutil.rmtree(work, ignore_errors=True)
            raise OutputError(f"--out {out_dir}: cannot write: {e.strerror or e}") from None
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        _sweep_runs(out_dir)
    finally:
        os.close(lock)
    built, reasoned, validation, metrics, t_validate, t_report, t_reason = produced
    return RunResult(data_dir, out_dir, built, reasoned, validation, metrics, time.perf_counter() - t_all,
                     t_validate, t_report, t_reason)


def _produce(data_dir: Path, work: Path, engine: str, context: ComplianceContext,
             progress: Progress, on_progress: Meter, period: Period = EVERYTHING,
             mapping: ExportMapping | None = None, factors: FactorTable | None = None) -> tuple:
    """Every stage into the folder ``work``: its store and the three output files."""
    settings = context.settings
    store_dir = work / "store"
    progress(f"[1/4] building {store_dir} from {data_dir} ...")
    built = build(data_dir, store_dir, on_progress=on_progress, mapping=mapping, emission_factors=factors)
    kill_point("run:built")
    # Between stages, what the last stage let go of goes back to the system (memory.py): else
    # each stage starts from the previous one's peak, and at 10^7 triples the peaks add up.
    release_memory()
    gs = EmbeddedStore(store_dir)
    try:
        progress(f"[2/4] reasoning with {engine} ...")
        t = time.perf_counter()
        reasoned = reason(gs, engine, on_progress=on_progress)
        t_reason = time.perf_counter() - t
        kill_point("run:reasoned")
        release_memory()
        context.record(gs, "run")
        progress(f"[3/4] validating (all profiles) as of {context.as_of} ...")
        t = time.perf_counter()
        validation = validate(gs, policy=context.policy, settings=settings, as_of=context.as_of,
                              on_progress=on_progress, context=context.to_json())
        t_validate = time.perf_counter() - t
        progress("[4/4] reporting ...")
        t = time.perf_counter()
        # Each output is written into the run's own folder as soon as it is made and then let go
        # (the folder becomes the current set only when every stage has succeeded, _switch_run):
        # at 10^7 triples, holding metrics.json, the report and every passport as strings at once
        # was the run's peak memory.
        _write(work, "validation.json", validation_json(validation))
        release_memory()
        snapshot = read_snapshot(gs)  # once, for the report and the passports
        metrics = metrics_of(gs, validation=validation, progress=progress, on_progress=on_progress,
                             hhi_guidelines=settings.hhi_guidelines, period=period, as_of=context.as_of,
                             snapshot=snapshot)
        atomic_write_text(work / "metrics.json", lambda f: write_json(metrics, f))
        kill_point("run:wrote-metrics.json")
        on_progress(Tick("report", "rendering"))
        _write(work, "report.html", render(metrics, source=str(data_dir)))
        on_progress(Tick("report", "rendering", 0, None, "", final=True))
        (work / PASSPORTS).mkdir(exist_ok=True)  # its link never dangles, even without products
        for name, text in run_passports(gs, validation, settings, snapshot).items():
            _write(work, name, text)  # passports/<product>.jsonld and .html
        t_report = time.perf_counter() - t
    finally:
        gs.close()
    return built, reasoned, validation, metrics, t_validate, t_report, t_reason


def _write(work: Path, name: str, text: str) -> None:
    atomic_write(work / name, text)
    kill_point(f"run:wrote-{name}")


def _lock_runs(runs: Path, out_dir: Path) -> int:
    """An exclusive lock on OUT/.runs for the whole run: two runs into one folder would sweep
    each other's work, so the second is refused. The kernel drops it when a run is killed."""
    fd = os.open(runs / ".lock", os.O_RDONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UsageError(f"--out {out_dir}: another 'loopsource run' is writing there; wait for it") from None
    return fd


def _next_run(runs: Path) -> str:
    numbers = [int(p.name) for p in runs.iterdir() if p.name.isdigit()]
    return f"{max(numbers, default=0) + 1:06d}"


def _switch_run(out_dir: Path, final: Path) -> None:
    """Make ``final`` the current set: fixed links first (once), then the pointer, in one rename."""
    _adopt_legacy(out_dir)
    for name in _LINKED:
        link = out_dir / name
        if not link.is_symlink():
            os.symlink(_link_text(name), link)
    tmp = out_dir / (_POINTER + ".tmp")
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(f"{_RUNS}/{final.name}", tmp)
    kill_point("run:switch")
    os.replace(tmp, out_dir / _POINTER)  # the atomic step
    kill_point("run:switched")


def _adopt_legacy(out_dir: Path) -> None:
    """An output folder written by loopsource before output sets (a real OUT/store folder and
    plain output files) becomes set 000000, one name at a time; a kill in between is finished
    by the next run, which finds the rest still in place and the links missing."""
    legacy = [n for n in _LINKED if (out_dir / n).exists() and not (out_dir / n).is_symlink()]
    if not legacy:
        return
    old = out_dir / _RUNS / "000000"
    old.mkdir(exist_ok=True)
    if not (out_dir / _POINTER).is_symlink():
        os.symlink(f"{_RUNS}/000000", out_dir / _POINTER)
    for name in legacy:
        os.rename(out_dir / name, old / name)
        os.symlink(_link_text(name), out_dir / name)


def _sweep_runs(out_dir: Path) -> None:
    """Remove sets that nobody sees: .tmp sets of killed runs, and sets other than the current
    one unless a reader has their store open. Also the folders of loopsource versions that
    built the store beside the old one (.store.new, .store.old)."""
    runs = out_dir / _RUNS
    try:
        current = (out_dir / _POINTER).resolve(strict=True)
    except (FileNotFoundError, OSError):
        current = None
    for entry in runs.iterdir():
        if not entry.is_dir() or entry.is_symlink() or entry.resolve() == current:
            continue
        if entry.name.endswith(".tmp") or (current is not None and entry.name.isdigit()):
            remove_store_tree(entry, entry / "store")
    for name in (".store.new", ".store.old"):
        legacy = out_dir / name
        if legacy.is_dir() and not legacy.is_symlink() and (legacy / "current").is_symlink():
            remove_store_tree(legacy, legacy)
