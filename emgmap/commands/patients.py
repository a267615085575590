"""``emgmap patients``: the local patient store (list, add, show, edit, import, export).

See docs/patients.md: where the database lives, privacy, backup."""
from __future__ import annotations

import argparse

SIDES = ("left", "right", "both")


def register(sub) -> None:
    p = sub.add_parser("patients", help="the local patient store: list, add, show, edit, import, export",
                       description="Patients are kept by pseudonym in a local SQLite database (in the user's data "
                                   "folder, or $EMGMAP_DATA_DIR) that indexes their recordings and analyses. "
                                   "Nothing leaves this machine.")
    cmds = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    cmds.add_parser("list", help="list the patients (optionally matching a search)").add_argument(
        "search", nargs="?", default="", help="part of a pseudonym, display name or sport")
    a = cmds.add_parser("add", help="add a patient by pseudonym")
    a.add_argument("pseudonym", help="a code such as P017 (never a real name)")
    _fields(a)
    s = cmds.add_parser("show", help="a patient's details, visits and recordings (moved or deleted ones flagged)")
    s.add_argument("pseudonym")
    e = cmds.add_parser("edit", help="change a patient's details, a visit's note, or rename the pseudonym")
    e.add_argument("pseudonym")
    e.add_argument("--pseudonym", dest="new_pseudonym", metavar="NEW", help="rename the patient (visits follow)")
    _fields(e)
    e.add_argument("--visit-note", nargs=2, metavar=("VISIT", "TEXT"), help="set the clinician's note of a visit "
                                                                              "(VISIT: its number in `patients show`)")
    i = cmds.add_parser("import", help="index the recordings in a folder by their subject pseudonym")
    i.add_argument("folder", metavar="DIR")
    i.add_argument("--patient", help="file every recording under this pseudonym instead of the recorded one")
    x = cmds.add_parser("export", help="copy a patient's recordings, history and results to a folder (hand-over)")
    x.add_argument("pseudonym")
    x.add_argument("folder", metavar="DIR")
    x.add_argument("--personal", action="store_true",
                   help="include the display name, year of birth and notes (left out by default)")
    p.set_defaults(func=run)


def _fields(p: argparse.ArgumentParser) -> None:
    p.add_argument("--display-name", help="a name to show locally (kept only in this database)")
    p.add_argument("--birth-year", type=int, metavar="YYYY")
    p.add_argument("--sport")
    p.add_argument("--side", choices=SIDES, help="affected side")
    p.add_argument("--notes")


def _changes(args) -> dict:
    from ..app.patients import AffectedSide
    out = {k: v for k, v in (("display_name", args.display_name), ("birth_year", args.birth_year),
                             ("sport", args.sport), ("notes", args.notes)) if v is not None}
    if args.side is not None:
        out["affected_side"] = AffectedSide(args.side)
    return out


def run(args) -> int:
    from ..app.patients import Patient, PatientStore
    with PatientStore() as store:
        if args.action == "list":
            return _list(store, args.search)
        if args.action == "add":
            p = store.add_patient(Patient(args.pseudonym, **_changes(args)))
            print(f"added {p.pseudonym} ({store.path})")
            return 0
        if args.action == "show":
            return _show(store, args.pseudonym)
        if args.action == "edit":
            return _edit(store, args)
        if args.action == "import":
            return _import(store, args)
        out = store.export(args.pseudonym, args.folder, personal=args.personal)
        print(f"exported {args.pseudonym} to {out} (recordings/, history.json, results.csv"
              f"{'' if args.personal else '; no display name, year of birth or notes'})")
        return 0


def _list(store, search: str) -> int:
    patients = store.patients(search)
    if not patients:
        print("no patients" + (f" matching {search!r}" if search else "; `emgmap patients add P01` adds one"))
        return 0
    print(f"{'pseudonym':<14}{'visits':>6}  {'last visit':<11} {'side':<6} {'sport':<14} display name")
    for p in patients:
        n = len(store.visits(p.pseudonym))
        print(f"{p.pseudonym:<14}{n:>6}  {store.last_visit_date(p.pseudonym) or '–':<11} "
              f"{p.affected_side.value or '–':<6} {p.sport or '–':<14} {p.display_name}")
    return 0


def _show(store, pseudonym: str) -> int:
    from ..app.patients import FileState
    p = store.patient(pseudonym)
    print(f"{p.pseudonym}" + (f" ({p.display_name})" if p.display_name else ""))
    for label, value in (("year of birth", p.birth_year), ("sport", p.sport), ("affected side", p.affected_side.value),
                         ("notes", p.notes)):
        if value:
            print(f"  {label}: {value}")
    visits = store.visits(pseudonym)
    if not visits:
        print("no visits yet: `emgmap session ... --patient " + p.pseudonym + "` records one")
    missing = 0
    for v in visits:
        print(f"\nvisit {v.id}  {v.date}  {v.protocol}" + (f"  note: {v.note}" if v.note else ""))
        for s in v.sessions:
            flag = "" if s.state is FileState.OK else f"  [{s.state.value}: moved or deleted since it was filed]"
            missing += s.state is not FileState.OK
            print(f"  {s.path}{flag}")
    if missing:
        print(f"\n{missing} recording(s) are not where they were filed; `emgmap patients import DIR` finds moved ones "
              "again (their analysis is kept either way)")
    return 0


def _edit(store, args) -> int:
    changes = _changes(args)
    if args.new_pseudonym:
        changes["pseudonym"] = args.new_pseudonym
    if args.visit_note:
        from ..app.patients import PatientError
        visit_id, text = args.visit_note
        if not visit_id.isdigit() or store.visit(int(visit_id)).pseudonym != store.patient(args.pseudonym).pseudonym:
            raise PatientError(f"{args.pseudonym} has no visit {visit_id}; `emgmap patients show "
                               f"{args.pseudonym}` lists the visit numbers")
        store.set_visit_note(int(visit_id), text)
        print(f"visit {visit_id}: note set")
    if changes or not args.visit_note:
        p = store.edit_patient(args.pseudonym, **changes)
        print(f"{p.pseudonym}: saved")
    return 0


def _import(store, args) -> int:
    if args.patient is not None:
        store.patient(args.patient)
    report = store.import_dir(args.folder, args.patient)
    for path in report.indexed:
        print(f"indexed {path}")
    for path in report.relocated:
        print(f"found again at {path} (moved since it was filed)")
    for path, why in report.skipped:
        print(f"skipped {path}: {why}")
    print(f"{len(report.indexed)} indexed, {len(report.relocated)} found again, {len(report.skipped)} skipped")
    return 0
