"""The cohort report: a study table (docs/analysis.md "Study") as one self-contained HTML page.

Per index (an agonist:antagonist ratio on one side, a muscle's symmetry index) of
each exercise:

- the distribution across subjects (each subject's latest visit): a box plot with
  the subjects as dots, against the index's expected range (shaded);
- left/right: each subject's left and right value joined by a line, with how many
  subjects are higher on the left and on the right;
- pre/post: each subject's first and last visit (by visit date) joined by a line,
  with how many improved, worsened or stayed (below);
- outliers: values outside Tukey's fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR; Tukey 1977)
  of the cohort, and values outside the expected range.

A change *improves* when the value's distance from the expected range shrinks
(ratios on a log scale, the SI in points), *worsens* when it grows; without a
range, a symmetry index improves when ``|SI|`` shrinks. Charts: matplotlib as
inline SVG (no scripts, fonts or links), so the page works offline and prints.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from .charts import STYLE, svg_element

INDEX_MEASURES = ("ratio", "symmetry")
LEFT, RIGHT = "#0072B2", "#E69F00"
PRE, POST = "#999999", "#0072B2"
BETTER, WORSE, NEUTRAL = "#009E73", "#D55E00", "#56B4E9"
TUKEY_K = 1.5
MIN_FOR_OUTLIERS = 4   # quartiles of fewer subjects flag nothing meaningful


@dataclass(frozen=True)
class Index:
    """One index of one exercise: ``measure`` ratio or symmetry, ``name`` the pair or muscle."""
    exercise: str
    measure: str
    name: str
    side: str

    @property
    def title(self) -> str:
        what = f"{self.name} ratio" if self.measure == "ratio" else f"{self.name} symmetry index"
        return f"{what}, {self.side}" if self.side else what

    @property
    def log_scale(self) -> bool:
        return self.measure == "ratio"


def index_values(table):
    """One value per (subject, visit date, index): the set means (``rep == "mean"``) of the
    index measures, averaged when a visit has more than one set of the exercise."""
    t = table[(table["rep"].astype(str) == "mean") & table["measure"].isin(INDEX_MEASURES)].copy()
    for col in ("subject", "date", "side", "exercise", "name"):
        t[col] = t[col].fillna("").astype(str)
    t = t[np.isfinite(t["value"].astype(float))]
    keys = ["exercise", "measure", "name", "side", "subject", "date"]
    return (t.groupby(keys, sort=True)
            .agg(value=("value", "mean"), expected_low=("expected_low", "first"),
                 expected_high=("expected_high", "first"), unit=("unit", "first"))
            .reset_index())


def deviation(value: float, low: float, high: float, log: bool) -> float:
    """How far ``value`` lies outside [low, high] (0 inside); log ratios for a ratio."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return math.nan
    if log:
        if value <= 0:
            return math.inf
        value, low, high = math.log(value), math.log(low), math.log(high)
    return max(low - value, value - high, 0.0)


def change(index: Index, pre: float, post: float, low: float, high: float) -> str:
    """``improved``, ``worsened`` or ``same`` for a move from ``pre`` to ``post``;
    ``unjudged`` for a ratio without an expected range (no direction is better)."""
    d0, d1 = deviation(pre, low, high, index.log_scale), deviation(post, low, high, index.log_scale)
    if math.isnan(d0) and index.measure == "symmetry":
        d0, d1 = abs(pre), abs(post)
    if math.isnan(d0):
        return "unjudged"
    return "improved" if d1 < d0 else "worsened" if d1 > d0 else "same"


def tukey_fences(values: np.ndarray) -> tuple[float, float]:
    q1, q3 = np.percentile(values, [25, 75])
    return q1 - TUKEY_K * (q3 - q1), q3 + TUKEY_K * (q3 - q1)


# -- the report -------------------------------------------------------------------------------------
def render_cohort_html(table, title: str = "emgmap cohort report", errors=None) -> str:
    """The cohort report of a study table (pandas DataFrame with the study columns)."""
    v = index_values(table)
    n_files = table["file"].nunique() if len(table) else 0
    subjects = sorted(s for s in v["subject"].unique())
    parts = [f"<h1>{_e(title)}</h1>",
             f"<p class=meta>{n_files} recordings, {len(subjects)} subjects, "
             f"{v[['subject', 'date']].drop_duplicates().shape[0]} visits"
             + (f", {v['date'].min()} to {v['date'].max()}" if len(v) else "")
             + ". Distributions show each subject's latest visit; pre/post compares each subject's first "
               "and last visit. Shaded: the expected range. Definitions: docs/analysis.md (Study).</p>"]
    if errors is not None and len(errors):
        parts.append(f"<p class=warn>{len(errors)} recordings could not be analysed and are not in this "
                     f"report (see the errors table).</p>")
    if not len(v):
        parts.append("<p>The table has no ratio or symmetry values: nothing to report.</p>")
    outliers = []
    for exercise in dict.fromkeys(v["exercise"]):
        ex = v[v["exercise"] == exercise]
        indices = [Index(exercise, m, n, s) for (m, n, s) in
                   ex[["measure", "name", "side"]].drop_duplicates().itertuples(index=False)]
        parts.append(f"<h2>{_e(exercise)}</h2>")
        parts.append(_distribution_section(ex, indices))
        parts.append(_lr_section(ex, indices))
        parts.append(_prepost_section(ex, indices))
        outliers += _outliers(ex, indices)
    parts.append(_outlier_table(outliers))
    return _PAGE.format(title=_e(title), body="\n".join(parts))


def _latest(df):
    """Each subject's row of their latest visit."""
    return df.sort_values("date").groupby("subject", sort=True).tail(1).sort_values("subject")


def _rows_of(ex, ix: Index):
    return ex[(ex["measure"] == ix.measure) & (ex["name"] == ix.name) & (ex["side"] == ix.side)]


def _expected(rows) -> tuple[float, float]:
    lo, hi = rows["expected_low"].astype(float), rows["expected_high"].astype(float)
    lo, hi = lo[np.isfinite(lo)], hi[np.isfinite(hi)]
    return (float(lo.iloc[0]), float(hi.iloc[0])) if len(lo) and len(hi) else (math.nan, math.nan)


def _distribution_section(ex, indices: list[Index]) -> str:
    import matplotlib
    from matplotlib.figure import Figure
    n = len(indices)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(2.1 * cols + 0.3, 2.5 * rows), dpi=96)
        rng = np.random.default_rng(0)   # the same jitter every time: a report is reproducible
        for k, ix in enumerate(indices):
            ax = fig.add_subplot(rows, cols, k + 1)
            r = _latest(_rows_of(ex, ix))
            vals = r["value"].to_numpy(float)
            lo, hi = _expected(_rows_of(ex, ix))
            if math.isfinite(lo):
                ax.axhspan(lo, hi, color=BETTER, alpha=0.15, lw=0)
            if len(vals):
                ax.boxplot(vals, positions=[0], widths=0.5, showfliers=False,
                           medianprops={"color": "#333333"}, boxprops={"color": "#777777"},
                           whiskerprops={"color": "#777777"}, capprops={"color": "#777777"})
                colours = [NEUTRAL if not math.isfinite(lo) else BETTER if lo <= x <= hi else WORSE for x in vals]
                ax.scatter(rng.uniform(-0.18, 0.18, len(vals)), vals, s=18, zorder=3, c=colours,
                           edgecolors="white", linewidths=0.5)
            _value_axis(ax, ix.log_scale)
            ax.set_xticks([])
            ax.set_xlim(-0.6, 0.6)
            ax.set_title(_wrap(ix.title) + f"\n(n = {len(vals)})", fontsize=8.5)
            ax.set_ylabel("ratio" if ix.measure == "ratio" else "SI %")
        fig.subplots_adjust(left=0.75 / (2.1 * cols + 0.3), right=0.98, wspace=0.6, hspace=0.45,
                            top=1 - 0.45 / (2.5 * rows), bottom=0.1 / rows)
        svg = svg_element(fig, f"distribution of the indices of {ix.exercise}")
    return (f"<h3>Distribution across subjects</h3>"
            f"<p class=note>Each dot a subject (latest visit); green inside the expected range, red outside, "
            f"blue where the index has no expected range.</p>"
            f"{svg}")


def _lr_section(ex, indices: list[Index]) -> str:
    pairs = sorted({(ix.measure, ix.name) for ix in indices if ix.side == "left"}
                   & {(ix.measure, ix.name) for ix in indices if ix.side == "right"})
    if not pairs:
        return ""
    import matplotlib
    from matplotlib.figure import Figure
    counts = []
    with matplotlib.rc_context(STYLE):
        cols = min(len(pairs), 4)
        rows = math.ceil(len(pairs) / cols)
        fig = Figure(figsize=(2.1 * cols + 0.3, 2.4 * rows), dpi=96)
        for k, (measure, name) in enumerate(pairs):
            ax = fig.add_subplot(rows, cols, k + 1)
            L = _latest(_rows_of(ex, Index(ex["exercise"].iloc[0], measure, name, "left"))).set_index("subject")
            R = _latest(_rows_of(ex, Index(ex["exercise"].iloc[0], measure, name, "right"))).set_index("subject")
            both = sorted(set(L.index) & set(R.index))
            lo, hi = _expected(_rows_of(ex, Index(ex["exercise"].iloc[0], measure, name, "left")))
            if math.isfinite(lo):
                ax.axhspan(lo, hi, color=BETTER, alpha=0.15, lw=0)
            for s in both:
                ax.plot([0, 1], [L.at[s, "value"], R.at[s, "value"]], color="#999999", lw=1, zorder=2)
            ax.scatter([0] * len(both), [L.at[s, "value"] for s in both], color=LEFT, s=16, zorder=3)
            ax.scatter([1] * len(both), [R.at[s, "value"] for s in both], color=RIGHT, s=16, zorder=3)
            ax.set_xticks([0, 1], ["left", "right"])
            ax.set_xlim(-0.4, 1.4)
            _value_axis(ax, measure == "ratio")
            ax.set_title(_wrap(f"{name} {measure}"), fontsize=8.5)
            higher_l = sum(L.at[s, "value"] > R.at[s, "value"] for s in both)
            higher_r = sum(L.at[s, "value"] < R.at[s, "value"] for s in both)
            counts.append((f"{name} {measure}", len(both), higher_l, higher_r))
        fig.subplots_adjust(left=0.75 / (2.1 * cols + 0.3), right=0.98, wspace=0.6, hspace=0.5,
                            top=1 - 0.45 / (2.4 * rows), bottom=0.3 / (2.4 * rows))
        svg = svg_element(fig, "left against right per subject")
    rows_html = "".join(f"<tr><td>{_e(n)}</td><td>{k}</td><td>{a}</td><td>{b}</td></tr>" for n, k, a, b in counts)
    return ("<h3>Left and right</h3><p class=note>Each line a subject (latest visit).</p>" + svg +
            "<table><tr><th>index</th><th>subjects</th><th>higher on the left</th><th>higher on the right</th>"
            f"</tr>{rows_html}</table>")


def _prepost_section(ex, indices: list[Index]) -> str:
    import matplotlib
    from matplotlib.figure import Figure
    shown, counts = [], []
    for ix in indices:
        r = _rows_of(ex, ix).sort_values("date")
        visits = r.groupby("subject")["date"].nunique()
        subjects = sorted(visits[visits >= 2].index)
        if not subjects:
            continue
        lo, hi = _expected(r)
        pre = r.groupby("subject").head(1).set_index("subject")
        post = r.groupby("subject").tail(1).set_index("subject")
        verdict = {s: change(ix, pre.at[s, "value"], post.at[s, "value"], lo, hi) for s in subjects}
        shown.append((ix, subjects, pre, post, verdict, lo, hi))
        counts.append((ix.title, len(subjects), *(sum(v == k for v in verdict.values())
                                                  for k in ("improved", "worsened", "same", "unjudged"))))
    if not shown:
        return ("<h3>Pre and post</h3><p class=note>No subject has two visits of this exercise.</p>")
    with matplotlib.rc_context(STYLE):
        cols = min(len(shown), 4)
        rows = math.ceil(len(shown) / cols)
        fig = Figure(figsize=(2.1 * cols + 0.3, 2.4 * rows), dpi=96)
        for k, (ix, subjects, pre, post, verdict, lo, hi) in enumerate(shown):
            ax = fig.add_subplot(rows, cols, k + 1)
            if math.isfinite(lo):
                ax.axhspan(lo, hi, color=BETTER, alpha=0.15, lw=0)
            for s in subjects:
                colour = {"improved": BETTER, "worsened": WORSE}.get(verdict[s], "#999999")
                ax.plot([0, 1], [pre.at[s, "value"], post.at[s, "value"]], color=colour, lw=1.2, marker="o",
                        ms=3.5)
            ax.set_xticks([0, 1], ["first", "last"])
            ax.set_xlim(-0.4, 1.4)
            _value_axis(ax, ix.log_scale)
            ax.set_title(_wrap(ix.title), fontsize=8.5)
        fig.subplots_adjust(left=0.75 / (2.1 * cols + 0.3), right=0.98, wspace=0.6, hspace=0.5,
                            top=1 - 0.45 / (2.4 * rows), bottom=0.3 / (2.4 * rows))
        svg = svg_element(fig, "first against last visit per subject")
    rows_html = "".join(f"<tr><td>{_e(n)}</td><td>{k}</td><td class=better>{a}</td><td class=worse>{b}</td>"
                        f"<td>{c}</td></tr>" if not u else
                        f"<tr><td>{_e(n)}</td><td>{k}</td><td colspan=3>not judged: no expected range</td></tr>"
                        for n, k, a, b, c, u in counts)
    return ("<h3>Pre and post</h3><p class=note>Each line a subject, first to last visit by date; green: "
            "closer to the expected range (or, for a symmetry index without one, a smaller |SI|), red: "
            "further.</p>" + svg +
            "<table><tr><th>index</th><th>subjects</th><th>improved</th><th>worsened</th><th>same</th></tr>"
            f"{rows_html}</table>")


def _outliers(ex, indices: list[Index]) -> list[dict]:
    out = []
    for ix in indices:
        r = _latest(_rows_of(ex, ix))
        vals = r["value"].to_numpy(float)
        lo, hi = _expected(_rows_of(ex, ix))
        fences = tukey_fences(np.log(vals) if ix.log_scale else vals) if len(vals) >= MIN_FOR_OUTLIERS else None
        med = float(np.median(vals)) if len(vals) else math.nan
        for row in r.itertuples(index=False):
            x = math.log(row.value) if ix.log_scale and row.value > 0 else row.value
            why = []
            if fences is not None and not fences[0] <= x <= fences[1]:
                why.append("beyond the cohort's Tukey fences")
            if math.isfinite(lo) and not lo <= row.value <= hi:
                why.append(f"outside the expected {lo:g} to {hi:g}")
            if why:
                out.append({"exercise": ix.exercise, "index": ix.title, "subject": row.subject, "date": row.date,
                            "value": row.value, "median": med, "why": "; ".join(why)})
    return out


def _outlier_table(rows: list[dict]) -> str:
    if not rows:
        return "<h2>Outliers</h2><p>None: every subject's latest value is inside its expected range and the " \
               "cohort's fences.</p>"
    body = "".join(f"<tr><td>{_e(r['exercise'])}</td><td>{_e(r['index'])}</td><td>{_e(r['subject'])}</td>"
                   f"<td>{_e(r['date'])}</td><td class=num>{r['value']:.2f}</td><td class=num>{r['median']:.2f}</td>"
                   f"<td>{_e(r['why'])}</td></tr>" for r in rows)
    return ("<h2>Outliers</h2><p class=note>Each subject's latest visit.</p><table><tr><th>exercise</th>"
            "<th>index</th><th>subject</th><th>date</th><th>value</th><th>cohort median</th><th>why</th></tr>"
            f"{body}</table>")


def _value_axis(ax, log: bool) -> None:
    """Ratios on a log axis with plain numbers (1, 2, 0.5), an SI axis with its zero line."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=2))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        ax.axhline(0.0, color="#bbbbbb", lw=0.8, zorder=1)


def _wrap(text: str, width: int = 24) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width))


def _e(x) -> str:
    return html.escape(str(x))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; color: #222; max-width: 1000px; margin: 1.5em auto; padding: 0 1em; }}
h1 {{ font-size: 1.5em; margin-bottom: 0.2em; }} h2 {{ border-bottom: 1px solid #ccc; margin-top: 1.6em; }}
h3 {{ font-size: 1.05em; margin-bottom: 0.2em; }}
.meta, .note {{ color: #555; }} .warn {{ color: #D55E00; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; white-space: nowrap; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.better {{ color: #009E73; font-weight: 600; }} td.worse {{ color: #D55E00; font-weight: 600; }}
svg {{ max-width: 100%; height: auto; }}
@media print {{ h2 {{ break-before: auto; }} svg, table {{ break-inside: avoid; }} }}
</style></head><body>
{body}
</body></html>
"""
