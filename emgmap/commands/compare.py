"""``emgmap compare``: what changed between two sessions of one patient."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare two sessions of one patient (reassessment)")
    p.add_argument("before", help="the earlier recording (.h5)")
    p.add_argument("after", help="the later recording (.h5)")
    p.add_argument("--html", metavar="FILE.html", help="also write the comparison as HTML")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..analysis import analyze_recording
    from ..analysis.report import render_compare_html, render_compare_text
    a, b = analyze_recording(args.before), analyze_recording(args.after)
    print(render_compare_text(a, b))
    if args.html:
        Path(args.html).write_text(render_compare_html(a, b), encoding="utf-8")
        print(f"\ncomparison: {args.html}")
    return 0
