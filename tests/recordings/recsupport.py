"""Recordings made from real simulated sessions (ManualClock: no sleeps)."""

import numpy as np

from emgmap.clock import ManualClock
from emgmap.drivers import open_driver
from emgmap.recordings.recorder import Recorder
from emgmap.session import Session


def record_session(path, spec="sim:?channels=4&seed=3&drop_rate=0.05", seconds=6.0, calibrate=True,
                   ring_seconds=60.0, **kw):
    """Record ``seconds`` of ``spec`` to ``path``; returns (session, recorder, final status)."""
    clock = ManualClock()
    session = Session(open_driver(spec, clock=clock), ring_seconds=ring_seconds, clock=clock)
    rec = Recorder(session, path, subject_id="S01", notes="test", **kw)
    rec.start()
    session.start()
    session.wait_until(lambda s: s.status.samples >= seconds / 2 * s.fs, 60)
    session.add_event("mvc", "mvc gmed left", duration_s=0.5, channel="gmed_L")
    if calibrate:
        C = session.spec.n_channels
        session.calibration.set_rest(np.tile(np.arange(C) + 2.0, (10, 1)))  # rest RMS 2, 3, ... µV
        session.calibration.set_mvc(np.where(np.arange(C) == 1, np.nan, 100.0 + np.arange(C)))
    session.wait_until(lambda s: s.status.samples >= seconds * s.fs, 60)
    session.add_event("marker", "done ✓")
    session.stop()
    return session, rec, rec.stop()


