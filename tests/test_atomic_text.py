"""files.atomic_write_text and render.report.write_json: streamed outputs, same text, old file kept on failure."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from loopsource.files import atomic_write, atomic_write_text
from loopsource.render.report import to_json, write_json

METRICS = {"circularity": {"share": 0.25, "name": "Zürich → Ørsted"}, "rows": [1, 2.5, None, True], "empty": {}}


def test_streamed_json_is_byte_equal_to_to_json(tmp_path: Path) -> None:
    target = tmp_path / "metrics.json"
    atomic_write_text(target, lambda f: write_json(METRICS, f))
    assert target.read_bytes() == to_json(METRICS).encode("utf-8")
    assert json.loads(target.read_text(encoding="utf-8")) == METRICS


def test_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "metrics.json"
    atomic_write(target, "old\n")
    with pytest.raises(ValueError):  # NaN is refused (allow_nan=False) after some text was written
        atomic_write_text(target, lambda f: write_json({"a": 1, "b": math.nan}, f))
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]


def test_newlines_are_written_as_is(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    atomic_write_text(target, lambda f: f.write("a\nb\n"))
    assert target.read_bytes() == b"a\nb\n"
