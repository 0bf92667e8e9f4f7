"""The ESRS E5 datapoints as CSV, for a reporting tool (``loopsource report --format esrs-csv``).

One row per datapoint of metrics.json ``esrs_e5.datapoints``, in the same order and with the
same values (the one-definition rule: nothing is recomputed or rounded here):

``datapoint_id`` (EFRAG IG 3), ``paragraph`` (ESRS E5 as adopted in Delegated Regulation (EU)
2023/2772), ``label``, ``value`` (empty when not computable; shares are fractions 0-1),
``unit`` (kg or fraction), ``status`` (computed, partial, not computable), ``needs`` (what is
missing), and ``key`` (the datapoint's key in metrics.json, unique per row: breakdowns such as
hazardous / non-hazardous share one IG 3 id).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

COLUMNS = ("datapoint_id", "paragraph", "label", "value", "unit", "status", "needs", "key")


def esrs_csv(metrics: Mapping[str, Any]) -> str:
    """The CSV text (UTF-8, header row, LF line ends) of ``metrics['esrs_e5']``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for key, d in metrics["esrs_e5"]["datapoints"].items():
        value = "" if d["value"] is None else repr(float(d["value"]))
        writer.writerow([d["datapoint_id"], d["paragraph"], d["label"], value, d["unit"], d["status"],
                         d["needs"] or "", key])
    return buf.getvalue()


__all__ = ["COLUMNS", "esrs_csv"]
