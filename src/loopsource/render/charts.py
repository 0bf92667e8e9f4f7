"""Chart geometry for the HTML pages (numbers only: templates draw it), shared by the report
and the scenario page.

* Colours: :func:`palette` gives each category of one chart its own colour from a list of 16
  colours chosen to be told apart (Okabe & Ito 2008, colour-blind safe, then Paul Tol's
  "muted" and "dark" schemes); grey is kept for "other". A chart with more categories than
  colours folds the smallest into "other" rather than repeat a colour.
* Labels: :func:`fit_label` truncates a label to the pixels it has, measured with the widths
  of a sans-serif face (Helvetica/Arial metrics, the widest of the faces the page names), and
  the template puts the full text in a ``<title>`` tooltip.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Distinguishable colours, in the order they are handed out.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#332288",
    "#117733", "#882255", "#44AA99", "#999933", "#AA4499", "#DDCC77", "#661100", "#6699CC",
)
OTHER_COLOUR = "#BBBBBB"

# Advance widths in 1/1000 em (Helvetica/Arial). DejaVu Sans, what system-ui resolves to on
# many Linux machines, is up to about 18 % wider: fit_label keeps that margin (measured in
# chromium by tests/render/test_browser.py).
_NARROW = dict.fromkeys("iljI.,:;'|!", 278) | dict.fromkeys("ft()[]-/ r", 333) | {" ": 278}
_WIDE = dict.fromkeys("mwMW", 833) | dict.fromkeys("ABCDEGHKNOQRUVXY&", 722) | dict.fromkeys("FLPSTZ", 611)
_DIGIT = 556


def text_width(text: str, font_px: float = 11.0) -> float:
    """Estimated width of ``text`` in pixels at ``font_px``."""
    em = 0
    for ch in text:
        if ch in _NARROW:
            em += _NARROW[ch]
        elif ch in _WIDE:
            em += _WIDE[ch]
        elif ch.isdigit():
            em += _DIGIT
        elif ch.isupper() or ord(ch) > 0x2000:
            em += 667
        else:
            em += 556
    return em * font_px / 1000


def fit_label(text: str, width_px: float, font_px: float = 11.0) -> str:
    """``text``, or its longest prefix that fits ``width_px`` with an ellipsis (20 % margin)."""
    budget = width_px / 1.2
    if text_width(text, font_px) <= budget:
        return text
    out = text
    while out and text_width(out.rstrip() + "…", font_px) > budget:
        out = out[:-1]
    return out.rstrip() + "…"


def palette(keys: Iterable[str], *, other: str = "other") -> dict[str, str]:
    """A distinct colour per key, in order (``other`` is grey); keys beyond the palette are
    left out: the caller folds them into ``other``."""
    out: dict[str, str] = {}
    for k in keys:
        if k == other or k in out:
            continue
        if len(out) == len(PALETTE):
            break
        out[k] = PALETTE[len(out)]
    out[other] = OTHER_COLOUR
    return out


def hbars(rows: Sequence[Mapping[str, Any]], vmax: float, *, width: float = 500, bar: float = 18,
          gap: float = 8, label_w: float = 180, markers: Sequence[tuple[float, str]] = (),
          value_w: float = 70) -> dict[str, Any]:
    """Horizontal bars: rows have label, value (may be None), text, and optional colour;
    ``value_w`` pixels are kept right of the longest bar for its text."""
    plot_w = width - label_w - value_w
    vmax = vmax if vmax > 0 else 1.0
    bars = []
    for i, r in enumerate(rows):
        v = r.get("value")
        y = 10 + i * (bar + gap)
        w = 0.0 if v is None else max(0.0, min(1.0, v / vmax)) * plot_w
        bars.append({**r, "y": y, "w": w, "ty": y + bar * 0.72, "short": fit_label(str(r["label"]), label_w - 8)})
    h = 20 + len(rows) * (bar + gap)
    marks = [{"x": label_w + min(1.0, v / vmax) * plot_w, "label": text, "anchor": "end" if i % 2 == 0 else "start",
              "dx": -3 if i % 2 == 0 else 3} for i, (v, text) in enumerate(markers) if v <= vmax * 1.0001]
    return {"width": width, "height": max(h, 40), "bar": bar, "label_w": label_w, "plot_w": plot_w, "bars": bars,
            "markers": marks}


def stacked(rows: Sequence[tuple[str, Mapping[str, float | None]]], keys: Sequence[str],
            colours: Mapping[str, str], *, width: float = 500, bar: float = 20, gap: float = 10,
            label_w: float = 180, markers: Sequence[tuple[float, str]] = ()) -> dict[str, Any]:
    """100 % stacked bars: one row per (label, {key: share}); ``markers``: (share, text) lines
    across every row (the CRMA 65 % benchmark)."""
    plot_w = width - label_w - 10
    out = []
    for i, (label, shares) in enumerate(rows):
        y = 10 + i * (bar + gap)
        x = float(label_w)
        segs = []
        for k in keys:
            s = shares.get(k) or 0.0
            if s > 0:
                segs.append({"x": x, "w": s * plot_w, "colour": colours.get(k, OTHER_COLOUR), "key": k, "share": s})
                x += s * plot_w
        out.append({"label": label, "short": fit_label(label, label_w - 8), "y": y, "ty": y + bar * 0.72,
                    "segments": segs})
    height = 20 + len(rows) * (bar + gap) + (14 if markers else 0)
    marks = [{"x": round(label_w + v * plot_w, 1), "label": text} for v, text in markers]
    return {"width": width, "height": height, "bar": bar, "label_w": label_w, "rows": out, "markers": marks}


def lines(years: Sequence[int], values: Sequence[float | None], *, width: float = 240, height: float = 110,
          vmax: float | None = None, text: Sequence[str] = ()) -> dict[str, Any]:
    """A small line chart of one figure over the years (a small multiple): points, the line
    through them and each value's text; the axis starts at 0 so that changes are not magnified."""
    pad_l, pad_r, pad_t, pad_b = 12.0, 12.0, 18.0, 20.0
    nums = [v for v in values if v is not None]
    top = vmax if vmax is not None else (max(nums) * 1.15 if nums and max(nums) > 0 else 1.0)
    n = len(years)
    step = (width - pad_l - pad_r) / max(n - 1, 1)
    pts = []
    for i, (y, v) in enumerate(zip(years, values)):
        x = pad_l + (i * step if n > 1 else (width - pad_l - pad_r) / 2)
        yy = None if v is None else pad_t + (1 - max(0.0, min(1.0, v / top))) * (height - pad_t - pad_b)
        pts.append({"x": round(x, 1), "y": None if yy is None else round(yy, 1), "year": y, "value": v,
                    "text": text[i] if i < len(text) else "", "anchor": "start" if i == 0 and n > 1
                    else "end" if i == n - 1 and n > 1 else "middle"})
    drawn = [p for p in pts if p["y"] is not None]
    path = "M" + " L".join(f"{p['x']},{p['y']}" for p in drawn) if len(drawn) > 1 else ""
    return {"width": width, "height": height, "points": pts, "path": path, "base": height - pad_b}


__all__ = ["PALETTE", "OTHER_COLOUR", "palette", "fit_label", "text_width", "hbars", "stacked", "lines"]
