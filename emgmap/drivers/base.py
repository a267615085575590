"""The driver protocol every device implements."""
from __future__ import annotations

import abc

from ..montage import Montage
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
