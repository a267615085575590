"""Device spec strings (DESIGN §3): ``kind:target?key=value&...``."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from ..types import DeviceSpecError
from ..validate import number

VALID_FORMS = (
    "sim",
    "sim:?scenario=tfl_dominant_clam&fs=2000&channels=8&seed=1",
    "brainflow:cyton?port=/dev/ttyUSB0   (synthetic, cyton, cyton_daisy, ganglion, cyton_wifi, playback?file=...)",
    "serial:/dev/ttyACM0?fs=1000&channels=4&format=binary|ascii&scale_uv=4.88&baud=115200",
    "replay:session.h5?speed=1",
    "lsl:type=EMG   (or lsl:name=NAME)",
)


def valid_forms_text() -> str:
    return "valid forms: " + "; ".join(f.split("   ")[0] for f in VALID_FORMS)


@dataclass
class DeviceSpec:
    """A parsed spec. Drivers take their parameters with the ``take_*`` helpers
    and call :meth:`finish`, which rejects any parameter nobody took."""

    text: str
    kind: str
    target: str
    params: dict[str, str] = field(default_factory=dict)

    def _err(self, msg: str) -> DeviceSpecError:
        return DeviceSpecError(f"device {self.text!r}: {msg}")

    def take_str(self, key: str, default: str | None = None, choices: tuple[str, ...] | None = None) -> str | None:
        v = self.params.pop(key, default)
        if choices is not None and v is not None and v not in choices:
            raise self._err(f"{key} must be one of {', '.join(choices)}, got {v!r}")
        return v

    def take_float(self, key: str, default: float | None = None, lo: float | None = None,
                   hi: float | None = None) -> float | None:
        """``key`` as a finite number in [lo, hi] (NaN and infinities never pass), or ``default``."""
        raw = self.params.pop(key, None)
        if raw is None:
            return default
        return number(raw, key, lo, hi, error=self._err)

    def take_int(self, key: str, default: int | None = None, lo: int | None = None,
                 hi: int | None = None) -> int | None:
        raw = self.params.pop(key, None)
        if raw is None:
            return default
        return number(raw, key, lo, hi, integer=True, error=self._err)

    def take_bool(self, key: str, default: bool = False) -> bool:
        raw = self.params.pop(key, None)
        if raw is None:
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise self._err(f"{key} must be 0 or 1, got {raw!r}")

    def finish(self, valid: tuple[str, ...]) -> None:
        if self.params:
            key = sorted(self.params)[0]
            raise self._err(f"unknown parameter {key!r}; valid parameters: {', '.join(valid)}")


def parse_spec(text: str, kinds: tuple[str, ...]) -> DeviceSpec:
    """Split ``text`` into kind, target and parameters; check the kind only."""
    text = text.strip()
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind not in kinds:
        raise DeviceSpecError(f"unknown device {text!r}; {valid_forms_text()}")
    target, _, query = rest.partition("?")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise DeviceSpecError(f"device {text!r}: the part after '?' must be key=value pairs joined by '&'") from None
    params: dict[str, str] = {}
    for k, v in pairs:
        if k in params:
            raise DeviceSpecError(f"device {text!r}: parameter {k!r} is given twice")
        params[k] = v
    return DeviceSpec(text, kind, target, params)


def fast_spec(spec: str) -> str:
    """``spec`` with ``fast=1`` added: the simulator or a replay, unpaced (batch work)."""
    kind = spec.partition(":")[0].strip().lower()
    if kind not in ("sim", "replay"):
        raise DeviceSpecError(f"--fast needs a sim or replay device, not {spec!r}; drop --fast for a real board")
    given = dict(parse_qsl(spec.partition("?")[2])).get("fast")
    if given is not None:  # the spec says it already: --fast agrees, or contradicts
        if given.lower() in ("1", "true", "yes", "on"):
            return spec
        raise DeviceSpecError(f"--fast contradicts fast={given} in the device {spec!r}; give one of them")
    if kind == "sim" and ":" not in spec:
        spec = "sim:"
    return spec + ("&" if "?" in spec else "?") + "fast=1"
