"""``emgmap analyze`` over many recordings: the study runner's options and output
(:mod:`emgmap.app.study`; docs/analysis.md "Study")."""
from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(p) -> None:
    g = p.add_argument_group("many recordings (a study)")
    g.add_argument("--table", metavar="OUT.parquet|OUT.csv",
                   help="write the long study table (errors and provenance beside it: OUT.errors.*, OUT.provenance.*)")
    g.add_argument("--html", metavar="FILE.html", help="write the cohort report of the table")
    g.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: all cores; 1: in this process)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster (tcp://host:8786), or 'local' for a LocalCluster on 127.0.0.1")
    g.add_argument("--glob", default="*.h5", help="file names to take from folders (default: *.h5)")
    g.add_argument("--cache", metavar="FILE.sqlite",
                   help="results of earlier runs, to analyse only new or changed files "
                        "(default with --table: OUT.cache.sqlite beside the table)")
    g.add_argument("--no-cache", action="store_true", help="analyse every file again")
    g.add_argument("--strict", action="store_true", help="exit with status 1 when any recording failed")


def is_study(args) -> bool:
    """Many paths, a folder, or a table/cohort report asked for."""
    return len(args.paths) > 1 or Path(args.paths[0]).is_dir() or bool(args.table or args.html)


def run(args, options: dict) -> int:
    from ..app.study import TABLE_FORMATS, StudyError, run_study, sidecar, write_report, write_table
    from ..outputs import check_output
    from ..progress import bar

    if args.json or args.report:
        raise StudyError("--json and --report take one recording; for many, write a table with --table")
    if args.jobs is not None and args.jobs < 1:
        raise StudyError(f"-j must be at least 1, got {args.jobs}")
    if args.table and Path(args.table).suffix.lower() not in TABLE_FORMATS:
        raise StudyError(f"--table {args.table}: the name must end in one of {', '.join(TABLE_FORMATS)}")
    outputs = [(args.table, "--table")] + ([(sidecar(args.table, k), "--table") for k in ("errors", "provenance")]
                                           if args.table else []) + [(args.html, "--html")]
    for path, what in outputs:   # replaced on a re-run (the study is incremental), never a recording
        if path:
            try:   # a study's output folder is made for it
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StudyError(f"cannot create the folder of {what} {path} ({e.strerror or e})") from None
            check_output(path, what=what, inputs=[p for p in args.paths if Path(p).is_file()], force=True)
    cache = None
    if not args.no_cache:
        cache = args.cache or (sidecar(args.table, "cache").with_suffix(".sqlite") if args.table else None)
    with bar("analysing", "file") as progress:
        res = run_study(args.paths, jobs=args.jobs, scheduler=args.scheduler, options=options, cache=cache,
                        glob=args.glob, progress=progress)
    n = len(res.provenance) + len(res.errors)
    print(f"{n} recordings: {len(res.provenance)} in the table ({len(res.table)} rows), {len(res.errors)} failed"
          + (f"; {len(res.reused)} taken from the cache {cache}" if cache else ""))
    for f, reason in zip(res.errors.file, res.errors.reason):
        print(f"  failed: {reason}" if f in reason else f"  failed: {f}: {reason}", file=sys.stderr)
    if args.table:
        print(f"table: {write_table(res.table, args.table)}")
        write_table(res.errors, sidecar(args.table, "errors"))
        write_table(res.provenance, sidecar(args.table, "provenance"))
    if args.html:
        print(f"cohort report: {write_report(res.table, args.html, errors=res.errors)}")
    if not (args.table or args.html):
        print("write the table with --table OUT.parquet (or .csv), the cohort report with --html")
    return 1 if args.strict and len(res.errors) else 0
