"""``emgmap session``: a whole guided assessment, headless: signal check, rest
baseline, MVC trials, the protocol's sets on its cue schedule, then the summary.
(The module is named ``guided`` so it is never confused with the acquisition
:class:`emgmap.session.Session`.)"""
from __future__ import annotations

import sys

from .lsloption import add_lsl_arguments, lsl_name


def register(sub) -> None:
    p = sub.add_parser("session", help="run a whole guided session (calibration + exercise sets) and record it",
                       description="Run a protocol's session: signal check, rest baseline, MVC trials, the "
                                   "exercise sets on the cue schedule, then print the summary. On the simulator "
                                   "the simulated subject follows the same cues.")
    p.add_argument("--device", default="sim", help="device spec (default: sim)")
    p.add_argument("--protocol", required=True, help="protocol name or .toml file (see docs/protocols.md)")
    p.add_argument("--scenario", help="simulator scenario (healthy, tfl_dominant_clam, ...)")
    p.add_argument("--fast", action="store_true", help="run the simulator unpaced (a whole session in seconds)")
    p.add_argument("-o", "--output", metavar="FILE.h5",
                   help="the recording to write (with --patient: default in the patient's folder of the data folder)")
    p.add_argument("--montage", help="montage TOML (default: the device's own)")
    p.add_argument("--subject", default="", help="subject pseudonym (never a name)")
    p.add_argument("--confirm-subject", action="store_true",
                   help="store a --subject that looks like a name or birth date as it is (it travels in exports)")
    p.add_argument("--report", metavar="FILE.html", help="also write the HTML report (never over an existing "
                   "file unless --force, never over the recording)")
    p.add_argument("--force", action="store_true", help="replace an existing report")
    p.add_argument("--patient", metavar="PSEUDONYM", help="file the session under this patient of the patient store "
                                                          "(see `emgmap patients`); sets --subject")
    p.add_argument("--note", default="", help="the clinician's note for this visit (with --patient)")
    add_lsl_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..montage import Montage
    from ..app.guided import GuidedSession
    from ..protocols import load_protocol
    from ..analysis.summary import print_summary
    from ..sinks.recorder import RecorderState
    from ..session import State
    from ..types import ConfigError
    from ..outputs import check_output, write_text
    from ..privacy import check_subject
    from ..progress import bar
    protocol = load_protocol(args.protocol)
    if args.patient:
        from ..app.patients import prepare_patient_session
        args.output, args.subject = prepare_patient_session(args.patient, args.output, args.subject, protocol.name)
    elif not args.output:
        raise ConfigError("give the recording to write with -o FILE.h5 (or file the session under --patient P01)")
    check_subject(args.subject, confirmed=args.confirm_subject,   # --patient's pseudonym is the subject too
                  option="--patient" if args.patient else "--subject")
    check_output(args.output, what="-o/--output", rename=True)  # before a whole session is run
    if args.report is not None:
        check_output(args.report, what="--report", inputs=[args.output], force=args.force)
    guided = GuidedSession(args.device, protocol, args.output, scenario=args.scenario, fast=args.fast,
                           montage=Montage.load(args.montage) if args.montage else None, subject=args.subject,
                           lsl_name=lsl_name(args))
    s, plan = guided.session, guided.plan
    if guided.recording.message:   # it picked a new name rather than overwrite
        print(f"emgmap: {guided.recording.message}", file=sys.stderr)
    print(f"{protocol.title} on {s.spec.device} ({s.spec.n_channels} channels, {s.fs:g} Hz), "
          f"{plan.duration / 60:.1f} min -> {guided.recording.path}")
    tty = sys.stdout.isatty() and not args.fast
    shown = [None]

    def cues(session) -> None:   # a paced session on a terminal: the cue to follow, in place
        cue = plan.cue_at(session.now_s())
        text = f"{cue.step.label if cue.step else ''}: {cue.phase.upper()} {cue.text} ({cue.remaining_s:.0f} s)"
        if text != shown[0]:
            shown[0] = text
            print(f"\r{text[:100]:<100}", end="", flush=True)

    with bar("session", "s") as progress:   # --fast: a bar over the plan's seconds (stderr, terminal only)
        result = guided.run(cues if tty else lambda s: progress(int(min(s.now_s(), plan.duration)), int(plan.duration)))
    if tty:
        print()
    st, rec = result.status, result.recording
    if st.state in (State.ERROR, State.LOST):
        print(f"emgmap: the session stopped early: {st.message}; {rec.seconds:.0f} s are saved in {rec.path}",
              file=sys.stderr)
        return 1
    if rec.state == RecorderState.FAILED:
        print(f"emgmap: {rec.message}", file=sys.stderr)
        return 2
    if protocol.gait is not None:   # a walk/run: the gait analysis of the recorded bout
        from ..analysis import analyze_recording
        from ..analysis.gait import summary_lines
        print("\n".join(summary_lines(analyze_recording(rec.path, gait=True).gait)))
    else:
        print_summary(result.summary)
    print(f"\nrecorded {rec.seconds:.0f} s to {rec.path}")
    if args.patient:
        from ..app.patients import PatientStore, file_session
        with PatientStore() as store:
            visit = file_session(store, args.patient, rec.path, protocol.name, args.note)
        print(f"filed under {visit.pseudonym} as visit {visit.id} ({visit.date})")
    if args.report:  # from the recording, exactly as `emgmap analyze --report` makes it
        from ..analysis import analyze_recording
        from ..analysis.report import render_html
        analysis = analyze_recording(rec.path)
        if analysis.gait is not None:
            from ..analysis.gait_report import render_gait_html
            page = render_gait_html(analysis.gait, f"{protocol.title}: gait report", analysis.meta)
        else:
            page = render_html(analysis, f"{protocol.title}: session report", analysis.meta)
        write_text(args.report, page, force=args.force)
        print(f"report: {args.report}")
    return 0
