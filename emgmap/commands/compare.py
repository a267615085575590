"""``emgmap compare``: what changed between two sessions of one patient."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare two sessions of one patient (reassessment)")
    p.add_argument("before", help="the earlier recording (.h5)")
    p.add_argument("after", help="the later recording (.h5)")
    p.add_argument("--html", metavar="FILE.html", help="also write the comparison as HTML (never over an "
                   "existing file unless --force, never over a recording)")
    p.add_argument("--force", action="store_true", help="replace an existing HTML file")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..analysis import analyze_recording
    from ..analysis.report import render_compare_html, render_compare_text
    from ..outputs import check_output, write_text
    if args.html is not None:  # before the work: a bad path must not cost the comparison
        check_output(args.html, what="--html", inputs=[args.before, args.after], force=args.force)
    a, b = analyze_recording(args.before), analyze_recording(args.after)
    print(render_compare_text(a, b))
    if args.html:
        write_text(args.html, render_compare_html(a, b), force=args.force)
        print(f"\ncomparison: {args.html}")
    return 0
