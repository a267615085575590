"""The driver protocol every device implements."""
from __future__ import annotations

import abc

from ..montage import Montage, default_montage, full_montage
from ..types import SampleBlock, StreamSpec


class Driver(abc.ABC):
    """A source of :class:`SampleBlock` s.

    Lifecycle: construct (cheap, validates the spec) -> :meth:`start` (opens
    the device; raises :class:`~emgmap.types.DeviceError` with one clear
    sentence) -> :meth:`read` repeatedly -> :meth:`stop` (idempotent).
    ``read`` waits at most about 0.1 s and returns None when nothing arrived;
    it raises :class:`~emgmap.types.DeviceLost` when the device went away.
    """

    spec: StreamSpec
    #: the montage the device suggests (the simulator's muscles); None: unknown
    montage: Montage | None = None
    #: False for sources that run unpaced (a fast simulator, a replay at full speed):
    #: their rate is not a property of the device and is not checked
    paced: bool = True
    #: True for real devices that can come back after :class:`~emgmap.types.DeviceLost`: the
    #: session then calls ``stop()`` and retries ``start()`` until it succeeds
    reconnectable: bool = False

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def read(self) -> SampleBlock | None: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    @property
    def counters(self) -> dict[str, int]:
        """Driver-specific error counters shown in the status (resyncs, CRC errors...)."""
        return {}

    @property
    def warnings(self) -> tuple[str, ...]:
        """Things the user should know about this stream (e.g. a low sample rate)."""
        return ()

    def __enter__(self) -> "Driver":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def board_montage(n_channels: int) -> Montage | None:
    """The montage suggested for a board with ``n_channels`` inputs (the user's own
    ``--montage`` replaces it): the default 8 or full 16 channels, else the simulator's
    first ``n_channels`` (up to 18), else None."""
    if n_channels == 8:
        return default_montage()
    if n_channels == 16:
        return full_montage()
    if n_channels <= 18:
        from ..sim.model import sim_montage
        return sim_montage(n_channels)
    return None
