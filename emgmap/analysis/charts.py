"""The report's charts, drawn with matplotlib (the project's one plotting library) as
inline SVG: self-contained (glyphs as paths, no fonts, links or scripts), sharp in
print. Colours: Okabe-Ito (colour-blind safe), left blue, right orange, zones
green / amber / red as in the dashboard.
"""
from __future__ import annotations

import html
import io
import math
import re

import numpy as np

LEFT, RIGHT = "#0072B2", "#E69F00"
ZONE = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", None: "#999999"}
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
STYLE = {"svg.fonttype": "path", "svg.hashsalt": "emgmap", "font.size": 9, "axes.spines.top": False,
       "axes.spines.right": False, "axes.edgecolor": "#999999", "xtick.color": "#555555",
       "ytick.color": "#555555", "axes.labelcolor": "#555555"}


def _figure(width_in: float, height_in: float, left: float, right: float, bottom: float, top: float):
    """A figure with fixed margins in inches (an automatic layout costs two more draws)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width_in, height_in), dpi=96)
    fig.subplots_adjust(left=left / width_in, right=1 - right / width_in, bottom=bottom / height_in,
                        top=1 - top / height_in)
    return fig


def svg_element(fig, label: str) -> str:
    """The figure as an inline <svg> element: no XML prolog, DOCTYPE, metadata or
    namespace URLs (an HTML page needs none of them), with an accessible label."""
    import matplotlib
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", text)
    return text.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"', 1)


def lr_bars(rows: list[dict], unit: str) -> str:
    """Grouped horizontal bars: left and right activation per muscle (rows of an
    exercise's symmetry)."""
    if not rows:
        return ""
    import matplotlib
    with matplotlib.rc_context(STYLE):
        fig = _figure(4.8, 0.9 + 0.42 * len(rows), 0.6, 0.1, 0.45, 0.25)
        ax = fig.add_subplot()
        y = np.arange(len(rows))[::-1]
        for dy, key, colour in ((0.2, "left", LEFT), (-0.2, "right", RIGHT)):
            vals = np.array([r[key] if math.isfinite(r[key]) else 0.0 for r in rows])
            bars = ax.barh(y + dy, vals, height=0.38, color=colour, label=key)
            ax.bar_label(bars, labels=[f"{v:.1f}" if math.isfinite(r[key]) else "–" for v, r in zip(vals, rows)],
                         padding=3, fontsize=8)
        ax.set_yticks(y, [r["muscle"] for r in rows], fontsize=10)
        ax.set_xlabel(unit)
        ax.margins(x=0.15)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=8, frameon=False,
                  borderaxespad=0.2)  # above the bars: never over them
        return svg_element(fig, "left and right activation")


def ratio_strip(value: float, expected: tuple[float, float] | None, zone: str | None) -> str:
    """A ratio on a log axis 0.1-10, its expected range shaded green, the value a dot in
    its zone's colour."""
    import matplotlib
    with matplotlib.rc_context(STYLE):
        fig = _figure(2.7, 0.5, 0.1, 0.1, 0.22, 0.04)
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_xlim(0.1, 10)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.spines[["left"]].set_visible(False)
        ticks = [0.1, 0.5, 1, 2, 10]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks], fontsize=7)
        ax.minorticks_off()
        if expected:
            ax.axvspan(expected[0], expected[1], color=ZONE["green"], alpha=0.25, lw=0)
        if math.isfinite(value) and value > 0:
            ax.plot([min(max(value, 0.1), 10)], [0], "o", ms=8, color=ZONE[zone], mec="#222222", clip_on=False)
        return svg_element(fig, f"ratio {value:.2f}" if math.isfinite(value) else "ratio undefined")


def rep_lines(series: dict[str, list[float]], ylabel: str) -> str:
    """Per-rep values (e.g. median frequency) of a few channels, one line each."""
    if not any(math.isfinite(v) for s in series.values() for v in s):
        return ""
    import matplotlib
    with matplotlib.rc_context(STYLE):
        fig = _figure(5.6, 2.0, 0.55, 1.3, 0.42, 0.08)
        ax = fig.add_subplot()
        for k, (name, s) in enumerate(series.items()):
            reps = np.arange(1, len(s) + 1)
            ax.plot(reps, s, "-o", ms=3, lw=1.8, color=PALETTE[k % len(PALETTE)], label=name)
        ax.set_xlabel("rep")
        ax.set_ylabel(ylabel)
        n = max(len(s) for s in series.values())
        ax.set_xticks(np.arange(1, n + 1) if n <= 15 else np.linspace(1, n, 6).round())
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
        return svg_element(fig, ylabel)
