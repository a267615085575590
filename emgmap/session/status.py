"""What a session shows the outside world: its state and an immutable status snapshot."""
from __future__ import annotations

import collections
import enum
from dataclasses import dataclass, field


class State(str, enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    LOST = "device lost"
    RECONNECTING = "reconnecting"
    ERROR = "error"
    STOPPED = "stopped"

    @property
    def live(self) -> bool:
        """Samples are arriving (or about to): what is on screen is current."""
        return self in (State.CONNECTING, State.STREAMING)


@dataclass(frozen=True)
class Status:
    state: State = State.IDLE
    message: str = ""               # error / lost text, one sentence
    samples: int = 0                # samples received
    measured_rate: float = 0.0      # samples/s over the last ~2 s of clock time
    dropped_samples: int = 0        # samples missing from device-index gaps
    gaps: int = 0
    elapsed_s: float = 0.0          # clock time since start
    counters: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    invalid_channels: tuple[str, ...] = ()  # channels whose newest block held NaN/inf (docs/dsp.md)
    losses: int = 0                 # times the device was lost (unplugged, silent)
    reconnects: int = 0             # times it came back
    preparing: bool = False         # no block processed yet and the filters are still compiling


class RateMeter:
    """Samples per second between block arrivals over the last ~``span_s`` of clock time
    (idle reads do not count, so a pause does not skew it)."""

    def __init__(self, span_s: float = 2.0):
        self.span_s = span_s
        self._w: collections.deque[tuple[float, int]] = collections.deque()

    def arrived(self, now: float, total: int) -> None:
        w = self._w
        w.append((now, total))
        while len(w) > 2 and now - w[0][0] > self.span_s:
            w.popleft()

    @property
    def rate(self) -> float:
        w = self._w
        return (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0]) if len(w) > 1 and w[-1][0] > w[0][0] else 0.0
