"""The dashboard's session lifecycle, Qt-free: open a device, pick its
montage, start and stop the :class:`~emgmap.session.Session`.

Opening a driver parses and validates the spec (a serial board is also probed,
which the window does on a worker thread); the stream itself starts on the
session's acquisition thread, and a failure there shows up as the session's
ERROR state, so the window never blocks on a slow or absent board.
"""
from __future__ import annotations

from ..clock import SYSTEM_CLOCK, Clock
from ..drivers import Driver, open_driver
from ..montage import Montage, full_montage
from ..protocols import Protocol
from ..session import Session
from . import settings


def montage_for(device: str, driver) -> tuple[Montage, str]:
    """The montage to use and where it came from: remembered for this device,
    else the device's own, else the first channels of the full lower-limb montage
    (a guess the user should check in the montage editor)."""
    n = driver.spec.n_channels
    remembered = settings.remembered_montage(device, n)
    if remembered is not None:
        return remembered, "remembered"
    if driver.montage is not None and len(driver.montage) == n:
        return driver.montage, "device"
    full = full_montage()
    chans = full.channels[:n]
    if len(chans) < n:
        from ..types import MontageError
        raise MontageError(f"{device} streams {n} channels, more than the {len(full)} muscles emgmap knows; "
                           "edit a montage file and pass it with --montage")
    muscles = {c.muscle for c in chans}
    pairs = tuple(p for p in full.pairs if set(p.muscles) <= muscles)
    return Montage(chans, pairs).with_names(driver.spec.channel_names), "guessed"


def connect(device: str, montage: Montage | None = None, *, ring_seconds: float = 40.0,
            clock: Clock = SYSTEM_CLOCK, driver: Driver | None = None,
            protocol: Protocol | None = None) -> tuple[Session, str]:
    """Open ``device`` (or use the given, not yet started ``driver``) and start a
    session on it; returns the session and where its montage came from. With a
    ``protocol``, the session computes the protocol's pairs (those on the montage)."""
    if driver is None:
        driver = open_driver(device, clock=clock)
    origin = "given"
    if montage is None:
        montage, origin = montage_for(device, driver)
    if protocol is not None:
        montage = Montage(montage.channels, tuple(protocol.pairs_on(montage)))
    try:
        session = Session(driver, montage, ring_seconds=ring_seconds, clock=clock)
    except BaseException:
        driver.stop()   # a montage that does not fit: free the device for the next try
        raise
    session.start()
    return session, origin
