"""A whole timed guided session, headless (``emgmap session``): signal check, rest
baseline, MVC trials, the protocol's sets on its cue schedule, recorded, then analysed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..clock import SYSTEM_CLOCK, ManualClock
from ..drivers.sim import SimDriver, sim_spec
from ..drivers.spec import fast_spec
from ..montage import Montage
from ..protocols import Protocol, build_plan
from ..analysis import ONSET_LEAD_S, Analysis
from ..protocols.plan import Plan
from ..sinks.recorder import RecorderStatus
from ..session import Session, Status
from ..types import ConfigError
from .live import LiveSession
from .runner import PlanRunner


@dataclass(frozen=True)
class GuidedResult:
    status: Status              # acquisition: how it ended
    recording: RecorderStatus   # the file
    summary: Analysis | None    # the live analysis of the sets (None when it stopped early)


def guided_device(device: str, protocol: Protocol, scenario: str | None, fast: bool) -> str:
    """The device spec to open: a ``sim`` device gets the scenario and enough channels for the
    protocol's muscles; ``fast`` makes it unpaced."""
    is_sim = device.partition(":")[0].strip().lower() == "sim"
    if scenario and not is_sim:
        raise ConfigError(f"--scenario needs the simulator (--device sim), not {device!r}")
    if is_sim:
        device = sim_spec(device, protocol.muscles, scenario)
        if protocol.gait is not None and "exercise=" not in device:   # walking/running: its aux channels too
            device += ("&" if "?" in device else ("?" if ":" in device else ":?")) + f"exercise={protocol.gait.mode}"
    return fast_spec(device) if fast else device


class GuidedSession:
    """Run ``protocol`` on ``device`` and record it to ``output``.

    The device is opened first (a wrong port leaves no file); the simulated subject of a
    ``sim`` device follows the plan's cues; the rings hold the longest step; the recorder
    and the plan runner see every sample from the first.
    """

    def __init__(self, device: str, protocol: Protocol, output: str, *, montage: Montage | None = None,
                 scenario: str | None = None, fast: bool = False, subject: str = "", lsl_name: str = ""):
        self.protocol = protocol
        self.fast = fast
        self.live = LiveSession(clock=ManualClock() if fast else SYSTEM_CLOCK)
        driver = self.live.open(guided_device(device, protocol, scenario, fast))
        try:
            given = montage is not None
            montage, _ = self.live.montage_for(driver, montage)
            if given and isinstance(driver, SimDriver):  # the simulated subject wears the user's electrodes
                driver.wear(montage)
            self.plan: Plan = build_plan(protocol, montage)
        except BaseException:
            driver.stop()
            raise
        if driver.subject is not None:   # the simulated subject follows the cues
            driver.subject.schedule = self.plan.sim_schedule(driver.subject)
        longest = max((s.duration for s in self.plan.steps), default=10.0)
        self.live.ring_seconds = longest + ONSET_LEAD_S + 30.0
        self.session: Session = self.live.connect(driver, montage, protocol=protocol, start=False, open_first=True)
        self.runner = PlanRunner(self.session, self.plan)
        try:
            self.recording = self.live.start_recording(
                output, subject_id=subject, config_extra={"protocol": {"name": protocol.source or protocol.name}})
            if lsl_name:
                self.live.publish(True, lsl_name)
        except BaseException:
            self.live.close()
            raise

    def run(self, progress: Callable[[Session], None] | None = None) -> GuidedResult:
        """Run the plan to its end (or until the device or the disk fails)."""
        live, runner = self.live, self.runner

        def done(s: Session) -> bool:
            if progress is not None:
                progress(s)
            rec = live.recorder
            return runner.done.is_set() or (rec is not None and rec.status.state == "failed")
        live.start()
        try:
            live.wait_until(done, timeout=None if self.fast else self.plan.duration + 60.0)
        finally:
            self.session.stop()
            recording = live.stop_recording()
            live.close()
        complete = runner.done.is_set()
        return GuidedResult(self.session.status, recording, runner.summary(str(recording.path)) if complete else None)
