"""A patient's progress over visits: the printable PDF and the HTML page.

One page per exercise: each judged index over the visits with its expected band
and its zone colour, the latest visit against the first, and the clinician's
notes. Drawn with matplotlib (headless Agg/PDF backends, no Qt in this layer;
the PDF is vector, so its text is searchable and prints sharp): see
docs/patients.md for why not Qt's QPdfWriter.

The input is a :class:`PatientHistory`, built by the patient store
(:mod:`emgmap.app.patients`) from the study-table rows it keeps.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from .charts import svg_element

# Okabe-Ito (colour-blind safe), as in the session report: zones green / amber / red
ZONE_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "": "#7f7f7f"}
# Lines: one colour per muscle or pair, left solid, right dashed; markers filled with the zone colour.
SIDE_STYLES = {"left": ("-", "o"), "right": ("--", "s"), "": ("-", "D")}
CATEGORY_COLOURS = ("#0072B2", "#CC79A7", "#56B4E9", "#000000", "#F0E442", "#999999")
A4_PORTRAIT = (8.27, 11.69)
MEASURE_TITLES = {"ratio": "Agonist:antagonist ratios", "symmetry": "Left/right symmetry index (SI %, + = right dominant)",
                  "activation": "Activation of the working side"}


@dataclass(frozen=True)
class HistoryIndex:
    exercise: str
    measure: str                 # ratio | symmetry | activation
    name: str                    # pair (gmed:tfl) or muscle
    side: str                    # left | right | "" (symmetry)
    value: float
    unit: str
    zone: str                    # green | amber | red | "" (not judged)
    expected_low: float | None = None
    expected_high: float | None = None
    sets: tuple[tuple[str, str], ...] = ()   # (recording, set label) behind the value ("" set: all of them)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.exercise, self.measure, self.name, self.side

    def to_json(self) -> dict:
        return {"measure": self.measure, "name": self.name, "side": self.side,
                "value": self.value if math.isfinite(self.value) else None, "unit": self.unit, "zone": self.zone}


@dataclass(frozen=True)
class VisitRecord:
    id: int
    date: str
    protocol: str
    note: str
    recordings: tuple[str, ...]
    recording_states: tuple[str, ...]   # ok | missing (moved or deleted since)
    indices: tuple[HistoryIndex, ...]


@dataclass(frozen=True)
class PatientHistory:
    pseudonym: str
    visits: tuple[VisitRecord, ...]

    def exercises(self) -> list[str]:
        return list(dict.fromkeys(i.exercise for v in self.visits for i in v.indices))

    def series(self, exercise: str) -> dict[tuple, list[tuple[int, HistoryIndex]]]:
        """(measure, name, side) -> [(visit position, index), ...] for one exercise."""
        out: dict[tuple, list] = {}
        for k, v in enumerate(self.visits):
            for i in v.indices:
                if i.exercise == exercise:
                    out.setdefault((i.measure, i.name, i.side), []).append((k, i))
        return out

    def to_json(self) -> dict:
        """``{"patient": ..., "visits": [{"date", "protocol", "indices": [...]}, ...]}``."""
        return {"patient": {"pseudonym": self.pseudonym},
                "visits": [{"date": v.date, "protocol": v.protocol, "indices": [i.to_json() for i in v.indices]}
                           for v in self.visits]}


def _f(x: float | None, nd: int = 2, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:+.{nd}f}" if signed else f"{x:.{nd}f}"


def _label(measure: str, name: str, side: str) -> str:
    return f"{name} {side}".strip() if measure != "symmetry" else f"{name} SI"


def _nd(measure: str) -> int:
    return 2 if measure == "ratio" else 1


def first_vs_latest(history: PatientHistory, exercise: str) -> list[tuple[str, str, HistoryIndex, HistoryIndex]]:
    """(measure, label, first, latest) for each index measured at two or more visits."""
    out = []
    for (measure, name, side), pts in history.series(exercise).items():
        if len(pts) >= 2:
            out.append((measure, _label(measure, name, side), pts[0][1], pts[-1][1]))
    return out


# --- figures ------------------------------------------------------------------------------------
def _chart(ax, history: PatientHistory, exercise: str, measure: str) -> bool:
    series = {k: v for k, v in history.series(exercise).items() if k[0] == measure}
    if not series:
        return False
    n = len(history.visits)
    bands = {}
    names = list(dict.fromkeys(name for _, name, _ in series))
    for (_, name, side), pts in series.items():
        colour = CATEGORY_COLOURS[names.index(name) % len(CATEGORY_COLOURS)]
        linestyle, marker = SIDE_STYLES.get(side, SIDE_STYLES[""])
        xs = [k for k, _ in pts]
        ys = [i.value for _, i in pts]
        ax.plot(xs, ys, linestyle=linestyle, color=colour, lw=1.6, label=_label(measure, name, side), zorder=2)
        ax.scatter(xs, ys, s=70, marker=marker, c=[ZONE_COLOURS.get(i.zone, "#7f7f7f") for _, i in pts],
                   edgecolors="#222222", linewidths=0.8, zorder=3)
        last = pts[-1][1]
        if last.expected_low is not None and last.expected_high is not None:
            bands[(last.expected_low, last.expected_high)] = name
    for (lo, hi), name in bands.items():
        what = f"expected {name}" if measure == "ratio" else "green zone"
        ax.axhspan(lo, hi, color=ZONE_COLOURS["green"], alpha=0.12, zorder=1, lw=0, label=f"{what}: {lo:g} to {hi:g}")
    ax.set_xticks(range(n), [v.date for v in history.visits], fontsize=8)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_title(MEASURE_TITLES[measure], fontsize=10, loc="left")
    unit = next(iter(series.values()))[0][1].unit
    ax.set_ylabel(unit or measure, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return True


def exercise_figure(history: PatientHistory, exercise: str):
    """One A4 page: the charts, the first-vs-latest table and the notes."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=A4_PORTRAIT)
    fig.text(0.06, 0.965, f"Progress: {history.pseudonym} — {exercise.replace('_', ' ')}", fontsize=15,
             weight="bold")
    dated = [v for v in history.visits if any(i.exercise == exercise for i in v.indices)]
    fig.text(0.06, 0.945, f"{len(dated)} visits, {dated[0].date} to {dated[-1].date}" if dated else "no visits",
             fontsize=9, color="#555")
    measures = [m for m in ("ratio", "symmetry", "activation")
                if any(k[0] == m for k in history.series(exercise))]
    top, chart_h = 0.90, 0.14
    for k, m in enumerate(measures):
        ax = fig.add_axes((0.09, top - (k + 1) * chart_h - k * 0.035, 0.66, chart_h))
        _chart(ax, history, exercise, m)
    y = top - len(measures) * (chart_h + 0.035) - 0.02
    rows = [r for r in first_vs_latest(history, exercise) if r[0] != "activation"]  # judged indices
    fig.text(0.06, y, "Latest visit against the first", fontsize=11, weight="bold")
    y -= 0.02
    if rows:
        first_date, last_date = dated[0].date, dated[-1].date
        cells = [[label, _f(a.value, _nd(m)), _f(b.value, _nd(m)), _f(b.value - a.value, _nd(m), True),
                  f"{a.zone or '–'} → {b.zone or '–'}"] for m, label, a, b in rows if m != "activation"]
        h = 0.018 * (len(cells) + 1)
        ax = fig.add_axes((0.06, y - h, 0.88, h))
        ax.axis("off")
        table = ax.table(cellText=cells, colLabels=["index", f"first ({first_date})", f"latest ({last_date})",
                                                    "change", "zone"], loc="upper center", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(8)
        for (r, c), cell in table.get_celld().items():
            cell.set_edgecolor("#cccccc")
            if r == 0:
                cell.set_text_props(weight="bold")
            elif c == 4:
                zone = cells[r - 1][4].split(" → ")[-1]
                if zone in ZONE_COLOURS and zone:
                    cell.set_text_props(color=ZONE_COLOURS[zone], weight="bold")
        y -= h + 0.03
    else:
        fig.text(0.06, y - 0.01, "Only one visit so far.", fontsize=9)
        y -= 0.04
    fig.text(0.06, y, "Clinician's notes", fontsize=11, weight="bold")
    y -= 0.022
    for v in dated:
        if y < 0.04:
            break
        missing = sum(s != "ok" for s in v.recording_states)
        text = v.note or "–"
        if missing:
            text += f"  [{missing} recording(s) moved or deleted since]"
        fig.text(0.06, y, f"{v.date}  {v.protocol}: {text}"[:130], fontsize=8.5)
        y -= 0.018
    return fig


def render_pdf(history: PatientHistory, path: str | Path) -> Path:
    """Write the progress report: one A4 page per exercise."""
    from matplotlib.backends.backend_pdf import PdfPages
    path = Path(path)
    exercises = history.exercises()
    with PdfPages(path, metadata={"Title": f"emgmap progress report {history.pseudonym}",
                                  "Creator": "emgmap"}) as pdf:
        if not exercises:
            from matplotlib.figure import Figure
            fig = Figure(figsize=A4_PORTRAIT)
            fig.text(0.06, 0.95, f"Progress: {history.pseudonym} — no analysed visits yet", fontsize=15)
            pdf.savefig(fig)
        for exercise in exercises:
            pdf.savefig(exercise_figure(history, exercise))
    return path


def render_html(history: PatientHistory) -> str:
    """The same content as the PDF, as one self-contained HTML page (charts inline SVG)."""
    from matplotlib.figure import Figure
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Progress {html.escape(history.pseudonym)}"
             "</title><style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
             ".pill{color:#fff;border-radius:8px;padding:0 6px}</style></head><body>",
             f"<h1>Progress: {html.escape(history.pseudonym)}</h1>"]
    for exercise in history.exercises():
        parts.append(f"<h2>{html.escape(exercise.replace('_', ' '))}</h2>")
        for m in ("ratio", "symmetry", "activation"):
            fig = Figure(figsize=(8, 2.6))
            ax = fig.add_axes((0.08, 0.18, 0.68, 0.7))
            if _chart(ax, history, exercise, m):
                parts.append(svg_element(fig, f"{exercise}: {m} over the visits"))
        rows = first_vs_latest(history, exercise)
        if rows:
            parts.append("<table><tr><th>index</th><th>first</th><th>latest</th><th>change</th><th>zone</th></tr>")
            for m, label, a, b in rows:
                pill = "".join(f"<span class='pill' style='background:{ZONE_COLOURS[z]}'>{z}</span> "
                               for z in (a.zone, b.zone) if z)
                parts.append(f"<tr><td>{html.escape(label)}</td><td>{_f(a.value, _nd(m))}</td>"
                             f"<td>{_f(b.value, _nd(m))}</td><td>{_f(b.value - a.value, _nd(m), True)}</td>"
                             f"<td>{pill}</td></tr>")
            parts.append("</table>")
    parts.append("<h2>Clinician's notes</h2><ul>")
    for v in history.visits:
        parts.append(f"<li>{html.escape(v.date)} {html.escape(v.protocol)}: {html.escape(v.note or '–')}</li>")
    parts.append("</ul></body></html>")
    return "\n".join(parts)
