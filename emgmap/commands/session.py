"""``emgmap session``: a whole guided assessment, headless: signal check, rest
baseline, MVC trials, the protocol's sets on its cue schedule, then the summary."""
from __future__ import annotations

import sys

from ..drivers import open_driver
from ..montage import Montage
from ..protocols import build_plan, load_protocol
from ..protocols.analysis import ONSET_LEAD_S
from ..protocols.runner import PlanRunner
from ..protocols.summary import print_summary
from ..session import Session, State
from ..sim.model import sim_montage
from ..types import ConfigError
from .lsloption import add_lsl_arguments, lsl_publisher
from .record import fast_spec


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


def sim_spec(device: str, protocol, scenario: str | None) -> str:
    """Add the scenario, and enough channels for the protocol's muscles, to a ``sim`` spec."""
    extra = []
    if scenario:
        extra.append(f"scenario={scenario}")
    if "channels=" not in device:
        order = [c.muscle for c in sim_montage(18).channels]
        need = max(order.index(m) + 2 for m in protocol.muscles)  # left channel, then right
        if need > 8:
            extra.append(f"channels={need}")
    if not extra:
        return device
    base = "sim:" if device.strip().lower() == "sim" else device
    return base + ("&" if "?" in base else "?") + "&".join(extra)


def run(args) -> int:
    from ..outputs import check_output, write_text
    from ..privacy import check_subject
    from ..clock import SYSTEM_CLOCK, ManualClock
    from ..recordings.recorder import Recorder
    check_subject(args.subject, confirmed=args.confirm_subject)
    protocol = load_protocol(args.protocol)
    if args.patient:
        from ..app.patients import prepare_patient_session
        args.output, args.subject = prepare_patient_session(args.patient, args.output, args.subject, protocol.name)
    elif not args.output:
        raise ConfigError("give the recording to write with -o FILE.h5 (or file the session under --patient P01)")
    check_output(args.output, what="-o/--output", rename=True)  # before a whole session is run
    if args.report is not None:
        check_output(args.report, what="--report", inputs=[args.output], force=args.force)
    device = args.device
    is_sim = device.partition(":")[0].strip().lower() == "sim"
    if args.scenario and not is_sim:
        raise ConfigError(f"--scenario needs the simulator (--device sim), not {device!r}")
    if is_sim:
        device = sim_spec(device, protocol, args.scenario)
    if args.fast:
        device = fast_spec(device)
    clock = ManualClock() if args.fast else SYSTEM_CLOCK
    driver = open_driver(device, clock=clock)
    montage = Montage.load(args.montage) if args.montage else driver.montage
    if is_sim and args.montage:  # the simulated subject wears the user's electrodes
        driver.wear(montage)
    plan = build_plan(protocol, montage or driver.montage)
    if is_sim:  # the simulated subject follows the cues
        driver.sim.schedule = plan.sim_schedule(driver.sim)
    longest = max((s.duration for s in plan.steps), default=10.0)
    session = Session(driver, montage, ring_seconds=longest + ONSET_LEAD_S + 30.0, clock=clock)
    recorder = Recorder(session, args.output, subject_id=args.subject,
                        config_extra={"protocol": {"name": protocol.source or protocol.name}})
    if recorder.status.message:
        print(f"emgmap: {recorder.status.message}", file=sys.stderr)
    runner = PlanRunner(session, plan)
    publisher = lsl_publisher(session, args)
    print(f"{protocol.title} on {driver.spec.device} ({session.spec.n_channels} channels, {session.fs:g} Hz), "
          f"{plan.duration / 60:.1f} min -> {recorder.path}")
    tty = sys.stdout.isatty() and not args.fast
    shown = [None]

    def progress(s: Session) -> bool:
        if tty:
            cue = plan.cue_at(s.now_s())
            text = f"{cue.step.label if cue.step else ''}: {cue.phase.upper()} {cue.text} ({cue.remaining_s:.0f} s)"
            if text != shown[0]:
                shown[0] = text
                print(f"\r{text[:100]:<100}", end="", flush=True)
        return runner.done.is_set() or recorder.status.state == "failed"

    recorder.start()
    if publisher:
        publisher.start()
    session.start()
    try:
        session.wait_until(progress, timeout=None if args.fast else plan.duration + 60.0)
    finally:
        session.stop()
        status = recorder.stop()
        if publisher:
            publisher.stop()
        if tty:
            print()
    st = session.status
    if st.state in (State.ERROR, State.LOST):
        print(f"emgmap: the session stopped early: {st.message}; {status.seconds:.0f} s are saved in {status.path}",
              file=sys.stderr)
        return 1
    if status.state == "failed":
        print(f"emgmap: {status.message}", file=sys.stderr)
        return 2
    summary = runner.summary(str(status.path))
    print_summary(summary)
    print(f"\nrecorded {status.seconds:.0f} s to {status.path}")
    if args.patient:
        from ..app.patients import PatientStore, file_session
        with PatientStore() as store:
            visit = file_session(store, args.patient, status.path, protocol.name, args.note)
        print(f"filed under {visit.pseudonym} as visit {visit.id} ({visit.date})")
    if args.report:  # from the recording, exactly as `emgmap analyze --report` makes it
        from ..protocols.report import render_html
        from .analyze import analyze_file
        analysis, meta = analyze_file(status.path)
        write_text(args.report, render_html(analysis, f"{protocol.title}: session report", meta),
                   force=args.force)
        print(f"report: {args.report}")
    return 0
