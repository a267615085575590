"""The clinician's report: one self-contained, printable HTML file (inline SVG
charts drawn with matplotlib, :mod:`emgmap.analysis.charts`; no scripts, no
external files) per session, and a comparison of two sessions."""
from __future__ import annotations

import datetime as _dt
import html
import math

import numpy as np

from ..protocols.model import Zones
from . import charts
from .charts import ZONE
from .judgement import ratio_zone, symmetry_zone
from .sets import Analysis, SetResult
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#222}
h1{font-size:26px;margin:0 0 4px} h2{font-size:21px;margin:28px 0 8px;border-bottom:2px solid #ddd}
h3{font-size:17px;margin:18px 0 6px} .meta{color:#555;font-size:14px} .note{background:#fff4e0;
border-left:4px solid #E69F00;padding:6px 10px;margin:6px 0;font-size:14px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:14px} th,td{padding:4px 10px;border-bottom:1px solid #e3e3e3;
text-align:right} th{background:#f4f4f4} td:first-child,th:first-child{text-align:left}
.pill{display:inline-block;min-width:54px;text-align:center;border-radius:10px;color:#fff;padding:1px 8px;font-weight:600}
.big{font-size:20px;font-weight:700} .grid{display:flex;flex-wrap:wrap;gap:18px} svg text{font-family:inherit}
.findings{font-size:17px;line-height:1.9;padding-left:18px} .findings .pill{min-width:60px;margin-right:6px}
svg{max-width:100%;height:auto} .prov td,.prov th{font-size:13px} .prov td:last-child{text-align:left}
@media print{body{margin:0;max-width:none} h2{page-break-before:auto} .grid{gap:8px}}
"""


def _f(x, nd=1, signed=False) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:+.{nd}f}" if signed else f"{x:.{nd}f}"


def _pill(zone: str | None, text: str) -> str:
    return f'<span class="pill" style="background:{ZONE[zone]}">{html.escape(text)}</span>'


def _zones(s: SetResult) -> Zones:
    return s.protocol.zones if s.protocol else Zones()


def _working_channels(s: SetResult, analysis: Analysis) -> list[str]:
    m = analysis.montage
    return [c.name for c in m.channels if s.side is None or c.side.value == s.side]


def _set_section(s: SetResult, a: Analysis) -> str:
    z = _zones(s)
    out = [f"<h3>{html.escape(s.label)}: {len(s.good_reps)} reps "
           f"<span class='meta'>(from {'the cue schedule' if s.rep_source == 'cues' else 'the signal: double threshold, no cues'})</span></h3>"]
    out += [f"<div class='note'>{html.escape(n)}</div>" for n in s.notes]
    if s.ratios:
        out.append("<table><tr><th>ratio</th><th>side</th><th>value</th><th>expected</th><th></th><th>zone</th></tr>")
        for r in s.ratios:
            exp = s.protocol.expected.get(r["name"]) if s.protocol else None
            zone = ratio_zone(r["value"], a.unit, exp.range if exp else None, z)
            out.append(f"<tr><td class='big'>{html.escape(r['name'])}</td><td>{r['side']}</td>"
                       f"<td class='big'>{_f(r['value'], 2)}</td>"
                       f"<td style='text-align:left;max-width:240px'><b>{(_f(exp.range[0], 1) + '–' + _f(exp.range[1], 1)) if exp else '–'}</b>"
                       f"{'<br><span class=meta style=font-size:12px>' + html.escape(exp.source) + '</span>' if exp and exp.source else ''}</td>"
                       f"<td>{charts.ratio_strip(r['value'], exp.range if exp else None, zone)}</td>"
                       f"<td>{_pill(zone, zone or ('no range' if not exp else 'not judged'))}</td></tr>")
        out.append("</table>")
    chans = _working_channels(s, a)
    if s.reps:
        out.append(f"<table><tr><th>rep</th><th>start s</th><th>length s</th>"
                   + "".join(f"<th>{html.escape(c)}<br>mean / peak</th>" for c in chans) + "</tr>")
        for i, r in enumerate(s.reps, 1):
            style = " style='color:#999;text-decoration:line-through'" if r.missed else ""
            out.append(f"<tr{style}><td>{i}{' (missed)' if r.missed else ''}</td><td>{_f(r.start_s)}</td>"
                       f"<td>{_f(r.end_s - r.start_s)}</td>"
                       + "".join(f"<td>{_f(r.mean[c])} / {_f(r.peak[c])}</td>" for c in chans) + "</tr>")
        out.append(f"</table><p class='meta'>values in {html.escape(a.unit)}</p>")
        good = s.good_reps
        onsets = {c: [r.onset_s[c] for r in good if r.onset_s[c] is not None] for c in chans}
        mean_on = {c: float(np.median(v)) for c, v in onsets.items() if v}
        if mean_on:
            order = sorted(mean_on, key=mean_on.get)
            out.append("<p><b>Onset order</b> (median over reps, from the cue to move): "
                       + " → ".join(f"{html.escape(c)} {mean_on[c] * 1000:+.0f} ms" for c in order) + "</p>")
            for r in s.ratios:
                ag = [c for c in chans if a.montage.channels[a.montage.names.index(c)].muscle in r["agonist"].split("+")
                      and a.montage.channels[a.montage.names.index(c)].side.value == r["side"]]
                an = [c for c in chans if a.montage.channels[a.montage.names.index(c)].muscle in r["antagonist"].split("+")
                      and a.montage.channels[a.montage.names.index(c)].side.value == r["side"]]
                ta = [mean_on[c] for c in ag if c in mean_on]
                tb = [mean_on[c] for c in an if c in mean_on]
                if ta and tb:
                    d = (min(tb) - min(ta)) * 1000
                    out.append(f"<p>{html.escape(r['agonist'])} fires {'before' if d > 0 else 'after'} "
                               f"{html.escape(r['antagonist'])} ({r['side']}) by {abs(d):.0f} ms.</p>")
        mdf = {c: [r.mdf_hz[c] for r in good] for c in chans}
        chart = charts.rep_lines(mdf, "median frequency, Hz")
        if chart:
            rows = []
            for c, v in mdf.items():
                v = [x for x in v if math.isfinite(x)]
                if len(v) >= 2:
                    slope = np.polyfit(np.arange(len(v)), v, 1)[0]
                    rows.append(f"<tr><td>{html.escape(c)}</td><td>{_f(v[0])}</td><td>{_f(v[-1])}</td>"
                                f"<td>{_f((v[-1] - v[0]) / v[0] * 100, 0, True)} %</td><td>{_f(slope, 2, True)}</td></tr>")
            out.append("<div class='grid'><div><b>Fatigue</b>: median frequency of the filtered signal over each "
                       "hold (falls 10-30 % with fatigue)<br>" + chart + "</div><table><tr><th>channel</th>"
                       "<th>first Hz</th><th>last Hz</th><th>change</th><th>Hz/rep</th></tr>" + "".join(rows)
                       + "</table></div>")
    return "".join(out)


def render_html(a: Analysis, title: str = "emgmap session report", meta: dict | None = None) -> str:
    meta = a.meta if meta is None else meta
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"]
    info = [f"file {a.file}", f"{a.fs:g} Hz", f"normalisation: {a.normalization} ({a.unit})"]
    info += [f"{k}: {v}" for k, v in meta.items() if v]
    out.append("<p class='meta'>" + " · ".join(html.escape(str(x)) for x in info) + "</p>")
    out += [f"<div class='note'>{html.escape(n)}</div>" for n in a.notes]
    found = findings(a)
    out.append("<h2>Findings</h2>" + ("<ul class='findings'>" + "".join(
        f"<li>{_pill(z, z)} {html.escape(text)}</li>" for z, text in found) + "</ul>" if found else
        "<p>Every index is within its green zone.</p>"))
    for ex in a.exercises:
        sets = [s for s in a.sets if s.exercise == ex["exercise"]]
        z = _zones(sets[0]) if sets else Zones()
        out.append(f"<h2>{html.escape(ex['exercise'].replace('_', ' '))}</h2>")
        if ex["symmetry"]:
            uni = any(s.side for s in sets)
            out.append(f"<p class='meta'>Left vs right activation ({html.escape(a.unit)}), "
                       + ("working leg of the left sets against the right sets" if uni else "within the sets")
                       + ". SI = (R − L) / (0.5 (R + L)) × 100; positive = right dominant.</p>")
            out.append("<div class='grid'><div>" + charts.lr_bars(ex["symmetry"], a.unit) + "</div><table><tr><th>muscle</th>"
                       "<th>left</th><th>right</th><th>SI %</th><th>L/R</th><th>zone</th></tr>")
            for r in ex["symmetry"]:
                zone = symmetry_zone(r["si_percent"], r["left"], r["right"], a.unit, z)
                out.append(f"<tr><td class='big'>{html.escape(r['muscle'])}</td><td>{_f(r['left'])}</td>"
                           f"<td>{_f(r['right'])}</td><td class='big'>{_f(r['si_percent'], 1, True)}</td>"
                           f"<td>{_f(r['lr_ratio'], 2)}</td><td>{_pill(zone, zone or '–')}</td></tr>")
            out.append("</table></div>")
        for s in sets:
            out.append(_set_section(s, a))
    out.append(_provenance_section(a))
    out.append(f"<p class='meta'>emgmap {html.escape(a.provenance.emgmap_version)} · generated {_dt.datetime.now().isoformat(timespec='seconds')} · every "
               "number is defined in docs/analysis.md and docs/dsp.md</p></body></html>")
    return "".join(out)


def _provenance_section(a: Analysis) -> str:
    """How the numbers were made: versions, normalisation per channel and why, settings."""
    p = a.provenance
    src = p.source
    mvc = {"stored": "stored in the recording", "recomputed": "recomputed from the recording's MVC trials",
           "mixed": "stored for some channels, recomputed from MVC trials for others", "none": "none"}
    lines = [f"analysed with emgmap {p.emgmap_version}" + (f", recorded with emgmap {src.recorded_with}"
                                                            if src.recorded_with else ""),
             f"normalisation: {a.normalization} ({a.unit}), asked: {p.normalize}; MVC: {mvc.get(p.mvc_source, p.mvc_source)}"]
    if p.interrupted:
        lines.append("the session was interrupted (see the notes above)")
    if p.pipeline:
        f = p.pipeline
        lines.append(f"filters: high-pass {f.get('hp_hz'):g} Hz (order {f.get('hp_order')}), low-pass "
                     f"{f.get('lp_hz'):g} Hz (order {f.get('lp_order')}), notch {'on' if f.get('notch') else 'off'}; "
                     f"envelope {f.get('envelope')} {f.get('window_s', 0) * 1000:.0f} ms")
    if p.segmentation:
        g = p.segmentation
        lines.append(f"reps without cues: double threshold (Bonato et al. 1998), p {g.get('p_pair'):g}, "
                     f"window {g.get('window_s'):g} s, on {g.get('r_on'):g} / off {g.get('r_off'):g}, "
                     f"min on {g.get('min_on_s'):g} s, min off {g.get('min_off_s'):g} s")
    out = ["<h2>How these numbers were made</h2><p class='meta'>" + "<br>".join(html.escape(x) for x in lines)
           + "</p>"]
    if p.channels:
        out.append("<table class='prov'><tr><th>channel</th><th>normalisation</th><th>MVC source</th>"
                   "<th>MVC µV</th><th>why</th></tr>")
        for c in p.channels:
            out.append(f"<tr><td>{html.escape(c.channel)}</td><td>{c.normalization}</td><td>{c.mvc_source.value}</td>"
                       f"<td>{_f(c.mvc_uv)}</td><td>{html.escape(c.reason)}</td></tr>")
        out.append("</table>")
    return "".join(out)


def findings(a: Analysis) -> list[tuple[str, str]]:
    """(zone, sentence) for every red, then amber, index: what the clinician reads first."""
    out = []
    for ex in a.exercises:
        sets = [s for s in a.sets if s.exercise == ex["exercise"]]
        z = _zones(sets[0]) if sets else Zones()
        for r in ex["symmetry"]:
            zone = symmetry_zone(r["si_percent"], r["left"], r["right"], a.unit, z)
            if zone not in (None, "green"):
                side = "right" if r["si_percent"] > 0 else "left"
                out.append((zone, f"{ex['exercise'].replace('_', ' ')}: {r['muscle']} {side}-dominant, SI "
                                  f"{r['si_percent']:+.1f} % (L {r['left']:.1f}, R {r['right']:.1f} {a.unit})"))
        for s in sets:
            for r in s.ratios:
                exp = s.protocol.expected.get(r["name"]) if s.protocol else None
                zone = ratio_zone(r["value"], a.unit, exp.range if exp else None, _zones(s))
                if zone in ("amber", "red"):
                    where = "below" if r["value"] < exp.range[0] else "above"
                    out.append((zone, f"{s.label}: {r['name']} {r['value']:.2f}, {where} the expected "
                                      f"{exp.range[0]:g}-{exp.range[1]:g}"))
    return sorted(out, key=lambda f: f[0] != "red")


# --- comparison --------------------------------------------------------------------------------
def compare_rows(a: Analysis, b: Analysis) -> list[tuple[str, str, str, float, float]]:
    """(exercise, what, detail, before, after) for every symmetry and ratio in both."""
    rows = []
    ex_b = {e["exercise"]: e for e in b.exercises}
    for e in a.exercises:
        other = ex_b.get(e["exercise"])
        if other is None:
            continue
        sym_b = {r["muscle"]: r for r in other["symmetry"]}
        for r in e["symmetry"]:
            if r["muscle"] in sym_b:
                rows.append((e["exercise"], f"SI {r['muscle']}", "%", r["si_percent"], sym_b[r["muscle"]]["si_percent"]))
    rat_b = {(s.label, r["name"], r["side"]): r["value"] for s in b.sets for r in s.ratios}
    for s in a.sets:
        for r in s.ratios:
            key = (s.label, r["name"], r["side"])
            if key in rat_b:
                rows.append((s.exercise, f"{r['name']} {r['side']}", "ratio", r["value"], rat_b[key]))
    return rows


def render_compare_text(a: Analysis, b: Analysis) -> str:
    rows = compare_rows(a, b)
    lines = [f"before: {a.file}", f"after:  {b.file}", "",
             f"{'exercise':<22}{'index':<22}{'before':>9}{'after':>9}{'change':>9}"]
    for ex, what, unit, x, y in rows:
        lines.append(f"{ex:<22}{what:<22}{_f(x, 2 if unit == 'ratio' else 1):>9}{_f(y, 2 if unit == 'ratio' else 1):>9}"
                     f"{_f(y - x, 2 if unit == 'ratio' else 1, True):>9}")
    if not rows:
        lines.append("(no exercise in common)")
    return "\n".join(lines)


def render_compare_html(a: Analysis, b: Analysis) -> str:
    rows = compare_rows(a, b)
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>emgmap comparison</title>"
           f"<style>{CSS}</style></head><body><h1>Reassessment</h1><p class='meta'>before: {html.escape(a.file)}"
           f"<br>after: {html.escape(b.file)}</p><table><tr><th>exercise</th><th>index</th><th>before</th>"
           "<th>after</th><th>change</th></tr>"]
    for ex, what, unit, x, y in rows:
        nd = 2 if unit == "ratio" else 1
        better = abs(y) < abs(x) if unit == "%" else None
        colour = "" if better is None else f" style='color:{ZONE['green'] if better else ZONE['red']}'"
        out.append(f"<tr><td>{html.escape(ex)}</td><td class='big'>{html.escape(what)}</td><td>{_f(x, nd)}</td>"
                   f"<td>{_f(y, nd)}</td><td class='big'{colour}>{_f(y - x, nd, True)}</td></tr>")
    out.append("</table><p class='meta'>SI closer to 0 is shown green. Ratios are compared with the "
               "literature ranges in each session's report.</p></body></html>")
    return "".join(out)
