"""Headless recording of a device for a set duration (``emgmap record``, the record benchmark)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..clock import SYSTEM_CLOCK, ManualClock
from ..drivers.spec import fast_spec
from ..montage import Montage
from ..sinks.recorder import RecorderState, RecorderStatus
from ..session import Status
from .live import LiveSession


@dataclass(frozen=True)
class RecordResult:
    status: Status              # acquisition: samples, gaps, drops, how it ended
    recording: RecorderStatus   # the file: path, samples written, size, failure
    fs: float
    n_channels: int


def record(device: str, duration: float, output: str, *, fast: bool = False, montage: Montage | None = None,
           subject: str = "", notes: str = "", compress: bool = False,
           progress: Callable[[float, RecorderStatus], None] | None = None,
           lsl_name: str = "") -> RecordResult:
    """Record exactly ``round(duration * fs)`` samples of ``device`` to ``output``.

    The device is opened before the file is created (a wrong port leaves no file). ``fast``:
    the simulator or a replay unpaced, on a manual clock (session time follows the samples).
    ``progress(fraction, recorder_status)`` is called on every status change. Stops early when
    the recording fails or the device is gone; ``lsl_name``: also publish over LSL.
    """
    spec = fast_spec(device) if fast else device
    clock = ManualClock() if fast else SYSTEM_CLOCK
    live = LiveSession(clock=clock, ring_seconds=max(10.0, min(duration, 60.0)))
    session = live.connect(spec, montage, start=False, open_first=True)
    n_target = max(1, int(round(duration * session.fs)))
    try:
        live.start_recording(output, subject_id=subject, notes=notes, compress=compress, max_samples=n_target)
        if lsl_name:
            live.publish(True, lsl_name)
        live.start()

        def done(s) -> bool:
            st, rst = s.status, live.recorder.status
            if progress is not None:
                progress(min(1.0, st.samples / n_target), rst)
            # the samples asked for, a failed recording, or a device far slower than it claims
            return (st.samples >= n_target or rst.state == RecorderState.FAILED
                    or (session.driver.paced and st.elapsed_s >= duration + 5.0))
        live.wait_until(done, timeout=None if fast else duration + 60.0)
    finally:
        session.stop()
        recording = live.stop_recording()
        live.close()
    return RecordResult(session.status, recording, session.fs, session.spec.n_channels)
