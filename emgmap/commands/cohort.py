"""``emgmap cohort``: the cohort report of a study table (docs/analysis.md "Study")."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("cohort", help="cohort report (HTML) of a study table",
                       description="Per index: the distribution across subjects against its expected range, "
                                   "left/right and first/last visit per subject with the counts improved and "
                                   "worsened, and the outliers. Make the table with: emgmap analyze DIR --table "
                                   "study.parquet")
    p.add_argument("table", help="a study table (.parquet or .csv) written by emgmap analyze --table")
    p.add_argument("--html", metavar="FILE.html", required=True, help="the report to write")
    p.add_argument("--title", default="emgmap cohort report")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..app.study import read_table, sidecar, write_report
    from ..outputs import check_output
    errors_path = sidecar(args.table, "errors")
    # replaced on a re-run, but never the table itself; a bad folder before any work
    check_output(args.html, what="--html", inputs=[args.table, errors_path], force=True)
    table = read_table(args.table)
    errors = read_table(errors_path) if errors_path.is_file() else None
    out = write_report(table, args.html, args.title, errors)
    print(f"cohort report: {out}")
    return 0
