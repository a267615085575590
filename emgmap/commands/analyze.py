"""``emgmap analyze``: the session analysis of a recording (JSON, report, summary)."""
from __future__ import annotations

import json
import math
import sys

from . import studyrun

NORMALIZE = ("auto", "mvc", "peak", "none")


def register(sub) -> None:
    p = sub.add_parser("analyze", help="analyse a recorded session (summary, --json, --report)",
                       description="Per set: activation and agonist:antagonist ratios over the reps; per exercise: "
                                   "left/right symmetry; per rep: peaks, onsets, median frequency. Definitions: "
                                   "docs/analysis.md.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="an emgmap recording (.h5); several recordings or folders make a study table (--table)")
    p.add_argument("--json", action="store_true", help="print the analysis as JSON (DESIGN §3) instead of text")
    p.add_argument("--report", metavar="FILE.html", help="write the printable HTML report (never over an "
                   "existing file unless --force, never over the recording); FILE.pdf: the gait report of a "
                   "walk/run as A4 pages")
    p.add_argument("--force", action="store_true", help="replace an existing report")
    p.add_argument("--normalize", choices=NORMALIZE, default="auto",
                   help="auto (default): %%MVC when every channel has an MVC (stored, or recomputed from the "
                        "recording's MVC trials), else %% of the peak in the task, else µV; or force one")
    p.add_argument("--gait", action="store_true",
                   help="gait analysis (automatic for a run/walk protocol): strides, cadence, cycle-normalised "
                        "activation, left/right stance symmetry (docs/gait.md)")
    p.add_argument("--gait-source", default="auto", metavar="SOURCE",
                   help="gait events from: auto (best available, default), footswitch:COL, accel:COL, knee:COL "
                        "(COL: an aux column, or LEFT,RIGHT), emg (estimated fallback)")
    studyrun.add_arguments(p)
    p.set_defaults(func=run)


def _clean(x):
    """JSON has no NaN: undefined numbers become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def run(args) -> int:
    if studyrun.is_study(args):
        return studyrun.run(args, {"normalize": args.normalize})
    args.file = args.paths[0]
    from ..analysis import analyze_recording
    from ..analysis.gait import GAIT_EXERCISES
    from ..analysis.summary import print_summary
    from ..outputs import check_output, write_text
    if args.report is not None:  # before the work: a bad path must not cost the analysis
        check_output(args.report, what="--report", inputs=[args.file], force=args.force)
    analysis = analyze_recording(args.file, normalize=args.normalize, gait=True if args.gait else None,
                                 gait_source=args.gait_source)
    gait = analysis.gait
    from ..analysis.sets import IMPLICIT_EXERCISE
    # the rep analysis is shown for exercise sets; a walk or run recorded without sets is its gait analysis
    exercises = {s.exercise for s in analysis.sets} - set(GAIT_EXERCISES) - ({IMPLICIT_EXERCISE} if gait else set())
    if args.json:
        print(json.dumps(_clean(analysis.to_json()), indent=2, ensure_ascii=False))
    else:
        print(f"{args.file}: {analysis.fs:g} Hz, {len(analysis.montage)} channels")
        if gait is None or exercises:
            print_summary(analysis)   # a walk/run bout has no reps: the gait section below is its analysis
        if gait is not None:
            from ..analysis.gait import summary_lines
            print("\n".join(summary_lines(gait)))
    if args.report:
        from ..analysis.report import render_html
        from pathlib import Path

        from ..types import ConfigError
        pdf = Path(args.report).suffix.lower() == ".pdf"
        if pdf and (gait is None or exercises):
            raise ConfigError(f"--report {args.report}: a PDF report is written for walking/running recordings "
                              "only; write this session's report as .html")
        if pdf:   # the gait report as A4 pages (matplotlib, vector)
            from ..analysis.gait_report import render_gait_pdf
            from ..outputs import atomic_output
            with atomic_output(args.report, force=args.force) as tmp:
                render_gait_pdf(gait, tmp, "emgmap gait report", analysis.meta)
            print(f"report: {args.report}", file=sys.stderr if args.json else sys.stdout)
            return 0
        if gait is not None and not exercises:
            from ..analysis.gait_report import render_gait_html
            page = render_gait_html(gait, "emgmap gait report", analysis.meta)
        else:
            page = render_html(analysis, "emgmap session report")
            if gait is not None:
                from ..analysis.gait_report import with_gait_section
                page = with_gait_section(page, gait)
        write_text(args.report, page, force=args.force)
        print(f"report: {args.report}", file=sys.stderr if args.json else sys.stdout)
    return 0
