"""The gait page of the report: findings first, then per muscle the left and right
ensembles (mean ± SD over the strides, 0-100 % of the gait cycle) over the
normative on-phases, then the numbers. Self-contained HTML: the plots are
matplotlib SVG inlined in the page (no scripts, no external files)."""
from __future__ import annotations

import html
import math

import numpy as np

from ..sim.gait import PROFILES, GaitMode
from ..types import Side
from .charts import LEFT, RIGHT, _figure, svg_element
from .gait import GaitAnalysis
from .report import CSS, _f

NORM_BAND = "#d9d9d9"
NORMATIVE_SOURCE = {GaitMode.WALK: "Winter 1991; Perry & Burnfield 2010",
                    GaitMode.RUN: "Novacheck 1998"}


def normative_bands(mode: GaitMode | str, muscle: str) -> list[tuple[float, float]]:
    """The muscle's normative on-phases as (start, end) % of the cycle within 0-100
    (a burst that starts before IC is split at 0)."""
    out = []
    for b in PROFILES[GaitMode(mode)].bursts.get(muscle, ()):
        lo, hi = b.onset, b.offset
        for a, z in ((lo, hi), (lo + 100, hi + 100), (lo - 100, hi - 100)):
            a, z = max(a, 0.0), min(z, 100.0)
            if z > a:
                out.append((a, z))
    return out


def ensemble_svg(g: GaitAnalysis, muscle: str, width_in: float = 4.6, height_in: float = 2.5) -> str:
    """One muscle's left and right ensembles (:func:`draw_ensemble`) as an SVG string."""
    fig = _figure(width_in, height_in, 0.6, 0.1, 0.5, 0.3)
    draw_ensemble(fig.add_subplot(1, 1, 1), g, muscle)
    return svg_element(fig, f"{muscle}: left and right ensembles over the gait cycle")


def draw_ensemble(ax, g: GaitAnalysis, muscle: str) -> None:
    """One muscle's left and right ensembles (mean ± SD) with the normative on-phases
    (grey) and each side's mean toe-off (dashed), on a matplotlib axis."""
    x = np.arange(101)
    for a, z in normative_bands(g.mode.value, muscle):
        ax.axvspan(a, z, color=NORM_BAND, lw=0, zorder=0)
    for side, colour in ((Side.LEFT, LEFT), (Side.RIGHT, RIGHT)):
        r = g.sides.get(side)
        m = next((c for c in r.muscles.values() if c.muscle == muscle), None) if r else None
        if m is None:
            continue
        ax.fill_between(x, m.mean - m.sd, m.mean + m.sd, color=colour, alpha=0.2, lw=0)
        ax.plot(x, m.mean, color=colour, lw=2, label=f"{side.value} (n={len(r.kept)})")
        if math.isfinite(r.stance_pct):
            ax.axvline(r.stance_pct, color=colour, ls="--", lw=1)
    ax.set_xlim(0, 100)
    ax.set_ylim(bottom=0)
    ax.set_title(muscle, loc="left", fontsize=12, fontweight="bold")
    ax.set_xlabel("% gait cycle (0 = initial contact; dashed: toe-off)", fontsize=8)
    ax.set_ylabel(g.unit, fontsize=9)
    ax.tick_params(labelsize=8)
    # above the plot, beside the title: inside it would cover a burst (a swing muscle peaks at the right)
    ax.legend(fontsize=8, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, borderaxespad=0.1)


def gait_muscles(g: GaitAnalysis) -> list[str]:
    """Muscles in montage order, each once."""
    out: list[str] = []
    for r in g.sides.values():
        for m in r.muscles.values():
            if m.muscle not in out:
                out.append(m.muscle)
    return out


def render_gait_section(g: GaitAnalysis) -> str:
    """The gait section (HTML fragment): findings, ensembles, tables, notes."""
    mode = GaitMode(g.mode.value)
    out = ["<h2>Gait</h2>",
           f'<p class="meta">{html.escape(mode.value)}; events from {html.escape(g.source_label)}; '
           f"activation in {html.escape(g.unit)} ({'MVC-normalised' if g.normalization == 'mvc' else 'no MVC: normalised to the mean ensemble peak of each muscle'})</p>"]
    if g.source == "emg":
        out.append('<p class="note">Gait events ESTIMATED from the EMG (no foot switch, accelerometer or knee '
                   "angle): timing is approximate.</p>")
    found = g.findings()
    out.append("<h3>Findings</h3>")
    out.append('<ul class="findings">' + "".join(f"<li>{html.escape(f)}</li>" for f in found) + "</ul>"
               if found else "<p>No left/right difference in stance activation above 10 % and no onset delay "
                             "above 20 ms.</p>" if g.symmetry else
               f"<p>One leg recorded ({', '.join(s.value for s in g.sides)}): no left/right comparison.</p>")
    # strides and cadence
    out.append("<table><tr><th>side</th><th>strides</th><th>cadence (steps/min)</th><th>stride time (s)</th>"
               "<th>stride CV (%)</th><th>stance (% cycle)</th><th>left out</th></tr>")
    for side, r in g.sides.items():
        out.append(f"<tr><td>{side.value}</td><td>{len(r.kept)}</td><td>{_f(r.cadence_spm)}</td>"
                   f"<td>{_f(r.stride_time_mean, 3)}</td><td>{_f(r.stride_time_cv)}</td><td>{_f(r.stance_pct)}</td>"
                   f"<td>{len(r.strides) - len(r.kept)}</td></tr>")
    out.append("</table>")
    if g.symmetry:
        out.append("<h3>Left/right stance activation and timing</h3>")
        out.append("<table><tr><th>muscle</th><th>stance L</th><th>stance R</th><th>SI (%)</th><th>L/R</th>"
                   "<th>onset R − L (ms)</th></tr>")
        for y in g.symmetry:
            judged = "" if y["active_in_stance"] else " (little stance activity)"
            out.append(f"<tr><td>{html.escape(y['muscle'])}{judged}</td><td>{_f(y['left'])}</td>"
                       f"<td>{_f(y['right'])}</td><td>{_f(y['si_percent'], 1, True)}</td>"
                       f"<td>{_f(y['lr_ratio'], 2)}</td><td>{_f(y['onset_delay_ms'], 0, True)}</td></tr>")
        out.append("</table>")
    out.append(f"<h3>Ensembles over the gait cycle</h3><p class=\"meta\">mean ± SD over the kept strides; grey: "
               f"normative on-phases ({NORMATIVE_SOURCE[mode]})</p>")
    out.append('<div class="grid">' + "".join(ensemble_svg(g, m) for m in gait_muscles(g)) + "</div>")
    out.append("<h3>Per muscle</h3><table><tr><th>channel</th><th>stance mean</th><th>swing mean</th>"
               "<th>onset (% cycle)</th><th>offset (% cycle)</th><th>CV (%)</th></tr>")
    for r in g.sides.values():
        for m in r.muscles.values():
            out.append(f"<tr><td>{html.escape(m.channel)}</td><td>{_f(m.stance_mean)}</td><td>{_f(m.swing_mean)}</td>"
                       f"<td>{_f(m.onset_pct, 1, True)}</td><td>{_f(m.offset_pct)}</td><td>{_f(m.cv_percent)}</td></tr>")
    out.append("</table>")
    out += [f'<p class="note">{html.escape(n)}</p>' for n in g.notes]
    return "\n".join(out)


def render_gait_html(g: GaitAnalysis, title: str = "emgmap gait report", meta: dict | None = None) -> str:
    """A whole report page for a walking/running recording."""
    meta = meta or {}
    info = " · ".join(f"{k}: {html.escape(str(v))}" for k, v in meta.items() if v)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1><p class=\"meta\">{info}</p>"
            f"{render_gait_section(g)}</body></html>")


def with_gait_section(page: str, g: GaitAnalysis) -> str:
    """``page`` (a whole report) with the gait section added at its end."""
    i = page.rfind("</body>")
    return page[:i] + render_gait_section(g) + page[i:] if i >= 0 else page + render_gait_section(g)


A4_PORTRAIT = (8.27, 11.69)
PER_PAGE = 6                       # ensembles per A4 page, 2 x 3


def render_gait_pdf(g: GaitAnalysis, path, title: str = "emgmap gait report", meta: dict | None = None):
    """The gait report as a PDF (A4, vector: the text is searchable and prints sharp, as the
    progress report): page 1 the findings, strides and left/right table, then the ensembles
    six to a page. Same content as :func:`render_gait_html`."""
    import textwrap
    from pathlib import Path

    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    path = Path(path)
    with PdfPages(path, metadata={"Title": title, "Creator": "emgmap"}) as pdf:
        fig = Figure(figsize=A4_PORTRAIT)
        y = [0.95]

        def line(text: str, size: float = 9, gap: float = 0.018, **kw) -> None:
            fig.text(0.07, y[0], text, fontsize=size, va="top", **kw)
            y[0] -= gap
        line(title, 16, 0.035, fontweight="bold")
        line(" · ".join(f"{k}: {v}" for k, v in (meta or {}).items() if v), 8, 0.03, color="#555")
        line(f"{g.mode.value}; events from {g.source_label}; activation in {g.unit}", 9, 0.03)
        if g.source == "emg":
            line("Gait events ESTIMATED from the EMG (no foot switch, accelerometer or knee angle): timing is "
                 "approximate.", 9, 0.025, color="#D55E00")
        line("Findings", 12, 0.028, fontweight="bold")
        found = g.findings() or ([] if g.symmetry else
                                 [f"One leg recorded ({', '.join(s.value for s in g.sides)}): no left/right "
                                  "comparison."])
        for f in found or ["No left/right difference in stance activation above 10 % and no onset delay above "
                           "20 ms."]:
            for k, part in enumerate(textwrap.wrap(f, 95)):
                line(("• " if k == 0 else "  ") + part, 10, 0.02)
        y[0] -= 0.015
        mono = {"family": "monospace"}
        line(f"{'side':<6}{'strides':>8}{'cadence':>10}{'stride s':>10}{'CV %':>7}{'stance %':>10}{'left out':>10}",
             8.5, 0.017, fontweight="bold", **mono)
        for side, r in g.sides.items():
            line(f"{side.value:<6}{len(r.kept):>8}{r.cadence_spm:>10.1f}{r.stride_time_mean:>10.3f}"
                 f"{r.stride_time_cv:>7.1f}{r.stance_pct:>10.1f}{len(r.strides) - len(r.kept):>10}", 8.5, 0.017, **mono)
        if g.symmetry:
            y[0] -= 0.015
            line(f"{'muscle':<10}{'stance L':>10}{'stance R':>10}{'SI %':>8}{'L/R':>7}{'onset R-L ms':>14}", 8.5,
                 0.017, fontweight="bold", **mono)
            for s in g.symmetry:
                note = "" if s["active_in_stance"] else "  (little stance activity)"
                line(f"{s['muscle']:<10}{s['left']:>10.1f}{s['right']:>10.1f}{s['si_percent']:>+8.1f}"
                     f"{s['lr_ratio']:>7.2f}{s['onset_delay_ms']:>+14.0f}{note}", 8.5, 0.017, **mono)
        y[0] -= 0.015
        for n in g.notes:
            for k, part in enumerate(textwrap.wrap(n, 110)):
                line(("note: " if k == 0 else "      ") + part, 7.5, 0.015, color="#555")
        pdf.savefig(fig)
        muscles = gait_muscles(g)
        for first in range(0, len(muscles), PER_PAGE):
            fig = Figure(figsize=A4_PORTRAIT)
            fig.text(0.07, 0.97, f"Ensembles over the gait cycle (mean ± SD over the kept strides; grey: normative "
                                 f"on-phases, {NORMATIVE_SOURCE[GaitMode(g.mode.value)]})", fontsize=9, va="top")
            fig.subplots_adjust(left=0.09, right=0.97, top=0.91, bottom=0.05, hspace=0.55, wspace=0.3)
            for k, m in enumerate(muscles[first:first + PER_PAGE]):
                draw_ensemble(fig.add_subplot(3, 2, k + 1), g, m)
            pdf.savefig(fig)
    return path
