"""Recordings made from real simulated sessions (ManualClock: no sleeps)."""
from emgmap.clock import ManualClock
from emgmap.drivers import open_driver
from emgmap.sinks.recorder import Recorder
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
    if calibrate:  # the demo schedule rests for 5 s, then the first rep ramps up
        session.capture_rest(0.5, 2.5)
    session.wait_until(lambda s: s.status.samples >= seconds * s.fs, 60)
    if calibrate:
        session.capture_mvc(5.0, 5.9, ["gmed_L"])
    session.mark("done ✓")
    session.stop()
    return session, rec, rec.stop()


