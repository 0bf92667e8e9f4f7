"""The main job as a library function: build, reason, validate (every profile) and report,
from a data directory into an output folder.

Nothing in the output folder is replaced until every stage has succeeded: the store is built
beside the old one and swapped in at the end, so a failed run leaves the previous store,
report, metrics and validation files as they were. The CLI's ``run`` prints the result.
"""
from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analysis.metrics import metrics_of
from .errors import UsageError
from .files import atomic_write
from .progress import Progress as Meter, Tick, silent
from .load.build import BuildResult, build
from .reason import DEFAULT_ENGINE, ReasonResult, reason
from .render.passport import run_passports
from .render.report import render, to_json
from .store import EmbeddedStore
from .validate import ValidationReport, validate
from .validate.settings import load_settings

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
    def passports_path(self) -> Path:
        return self.out_dir / "passports"

    @property
    def store_path(self) -> Path:
        return self.out_dir / "store"

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


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output folder that is not a folder, or whose ``store`` is not a loopsource store."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: exists and is not a folder")
    store_dir = out_dir / "store"
    if store_dir.exists() or store_dir.is_symlink():
        if store_dir.is_symlink() or not (store_dir / "current").is_symlink():
            raise UsageError(f"--out {out_dir}: {store_dir} exists and is not a loopsource store; "
                             "choose another --out or move it away (loopsource never deletes what it did not create)")


def run(data_dir: Path, out_dir: Path, *, engine: str = DEFAULT_ENGINE, policy: Path | None = None,
        settings: Path | None = None, progress: Callable[[str], None] = lambda _m: None,
        on_progress: Meter = silent) -> RunResult:
    """Build, reason, validate and report ``data_dir`` into ``out_dir`` (see the module docstring)."""
    t_all = time.perf_counter()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    check_out_dir(out_dir)
    chosen = load_settings(settings)
    store_dir, work_dir = out_dir / "store", out_dir / ".store.new"
    shutil.rmtree(work_dir, ignore_errors=True)  # left by an interrupted run
    if policy is None and (data_dir / "policy.yaml").is_file():
        policy = data_dir / "policy.yaml"
    try:
        progress(f"[1/4] building {store_dir} from {data_dir} ...")
        built = build(data_dir, work_dir, on_progress=on_progress)
        gs = EmbeddedStore(work_dir)
        progress(f"[2/4] reasoning with {engine} ...")
        reasoned = reason(gs, engine, on_progress=on_progress)
        progress("[3/4] validating (all profiles) ...")
        t = time.perf_counter()
        validation = validate(gs, policy=policy, settings=chosen, on_progress=on_progress)
        t_validate = time.perf_counter() - t
        progress("[4/4] reporting ...")
        t = time.perf_counter()
        metrics = metrics_of(gs, validation=validation, progress=progress, on_progress=on_progress,
                             hhi_guidelines=chosen.hhi_guidelines)
        on_progress(Tick("report", "rendering"))
        html = render(metrics, source=str(data_dir))
        on_progress(Tick("report", "rendering", 0, None, "", final=True))
        metrics_text, validation_text = to_json(metrics), validation_json(validation)
        extra = run_passports(gs, validation, chosen)  # passports/<product>.jsonld and .html, relative to out_dir
        t_report = time.perf_counter() - t
        gs.close()
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    _swap_store(work_dir, store_dir)
    result = RunResult(data_dir, out_dir, built, reasoned, validation, metrics, 0.0, t_validate, t_report)
    atomic_write(result.validation_path, validation_text)
    atomic_write(result.metrics_path, metrics_text)
    atomic_write(result.report_path, html)
    for name, text in extra.items():
        atomic_write(out_dir / name, text)
    return RunResult(data_dir, out_dir, built, reasoned, validation, metrics, time.perf_counter() - t_all,
                     t_validate, t_report)


def _swap_store(new: Path, target: Path) -> None:
    """Put the freshly built store in place of the previous one (two renames; the old one is
    removed only once the new one is in place)."""
    old = target.with_name(".store.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
