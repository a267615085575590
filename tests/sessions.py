"""Whole simulated sessions for the protocol tests (ManualClock, unpaced: no sleeps), and
:func:`built_once` to make one once per test run."""
import fcntl
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from emgmap.clock import ManualClock
from emgmap.drivers.sim import sim_spec
from emgmap.drivers import open_driver
from emgmap.protocols import build_plan, load_protocol
from emgmap.protocols.model import CalibrationPlan, Timing
from emgmap.app.runner import PlanRunner
from emgmap.sinks.recorder import Recorder
from emgmap.session import Session


def short(protocol, reps=5):
    """The protocol with fewer reps and shorter rests, so a test session takes seconds."""
    return replace(protocol, timing=replace(protocol.timing, reps=reps),
                   calibration=CalibrationPlan(signal_check_s=1.0, rest_s=5.0, mvc_trials=2, mvc_s=4.0, mvc_rest_s=1.0,
                                           set_rest_s=2.0))


def run_session(protocol_name, scenario, path=None, *, seed=0, extra="", reps=5, plan_hook=None):
    """Run a whole guided session on the simulator; returns (driver, session, runner, recorder status)."""
    protocol = short(load_protocol(protocol_name), reps)
    clock = ManualClock()
    driver = open_driver(sim_spec("sim", protocol.muscles, scenario) + f"&seed={seed}&fast=1{extra}", clock=clock)
    plan = build_plan(protocol, driver.montage)
    if plan_hook:
        plan = plan_hook(plan)
    driver.subject.schedule = plan.sim_schedule(driver.subject)
    session = Session(driver, clock=clock, ring_seconds=90)
    recorder = Recorder(session, path, config_extra={"protocol": {"name": protocol.name}}) if path else None
    runner = PlanRunner(session, plan)
    if recorder:
        recorder.start()
    session.start()
    assert session.wait_until(lambda s: runner.done.is_set(), 300), session.status
    session.stop()
    status = recorder.stop() if recorder else None
    return driver, session, runner, status


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A folder that ``build(folder)`` fills once per test run, however many pytest-xdist workers
    ask for it: the first builds it (into a scratch folder renamed into place, so no one sees it
    half built) while the others wait on a lock, then all share it. For the simulated sessions
    several test modules read (each is seconds of CPU). Read what is in it; a test that changes
    a file copies it first."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent   # the run's temp folder, shared by its workers (one per run)
    folder = base / f"built-{name}"
    with open(base / f"built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not folder.exists():
            scratch = Path(tempfile.mkdtemp(prefix=f"built-{name}-", dir=base))
            build(scratch)
            scratch.rename(folder)
    return folder
