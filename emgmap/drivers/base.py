"""The driver protocol every device implements."""
from __future__ import annotations

import abc

from typing import TYPE_CHECKING

from ..montage import Montage
from ..types import SampleBlock, StreamSpec

if TYPE_CHECKING:
    from ..sim import Simulator


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
    #: False for a source that is not a device to reopen next time (a replay of a file)
    remember: bool = True
    #: the simulated subject of a simulator, which follows a cue plan
    #: (:meth:`emgmap.protocols.plan.Plan.sim_schedule`); None for a real person
    subject: "Simulator | None" = None

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
