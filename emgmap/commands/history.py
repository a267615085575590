"""``emgmap history P01``: a patient's indices over visits (text, --json, --html, --pdf)."""
from __future__ import annotations

import json
import math
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("history", help="a patient's indices over visits; --json, --html, --pdf progress report",
                       description="Every judged index (ratios, symmetry, working-side activation) of each visit "
                                   "of a patient, from the local patient store. --pdf writes the printable "
                                   "progress report (one page per exercise).")
    p.add_argument("pseudonym")
    p.add_argument("--json", action="store_true", help="print the history as JSON instead of text")
    p.add_argument("--html", metavar="FILE.html", help="write the progress report as HTML")
    p.add_argument("--pdf", metavar="FILE.pdf", help="write the printable progress report (PDF)")
    p.add_argument("--force", action="store_true", help="replace existing report files")
    p.set_defaults(func=run)


def _f(x: float, nd: int) -> str:
    return f"{x:.{nd}f}" if x is not None and math.isfinite(x) else "–"


def run(args) -> int:
    from ..analysis.progress_report import render_html, render_pdf
    from ..app.patients import PatientStore, patient_json
    from ..outputs import atomic_output, check_output
    for what, path in (("--html", args.html), ("--pdf", args.pdf)):   # before any work (docs/outputs.md)
        if path is not None:
            check_output(path, what=what, force=args.force)
    with PatientStore() as store:
        patient = store.patient(args.pseudonym)
        history = store.history(patient.pseudonym)
    if args.json:
        doc = history.to_json()
        doc["patient"] = patient_json(patient)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(f"{patient.pseudonym}: {len(history.visits)} visits")
        for v in history.visits:
            print(f"\n{v.date}  {v.protocol}" + (f"  note: {v.note}" if v.note else ""))
            for i in v.indices:
                if i.measure != "activation":
                    label = f"{i.name} {i.side}".strip() if i.measure == "ratio" else f"{i.name} SI"
                    print(f"  {label:<18}{_f(i.value, 2 if i.measure == 'ratio' else 1):>7} {i.unit:<6}"
                          + (f" [{i.zone}]" if i.zone else ""))
    for path, write in ((args.html, lambda p: Path(p).write_text(render_html(history), encoding="utf-8")),
                        (args.pdf, lambda p: render_pdf(history, p))):
        if path:
            with atomic_output(path, force=args.force) as tmp:   # complete or absent, owner-only
                write(tmp)
            if not args.json:
                print(f"wrote {path}")
    return 0
