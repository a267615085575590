"""Device drivers: ``open_driver(spec)`` turns a device spec string into a :class:`Driver`.

Each kind lives in its own module, imported only when used, so that opening
the simulator never loads BrainFlow or pyserial.
"""
from __future__ import annotations

import importlib
import logging

from ..clock import SYSTEM_CLOCK, Clock
from ..types import DeviceSpecError
from .base import Driver
from .spec import DeviceSpec, parse_spec, valid_forms_text

# kind -> "module:function(spec: DeviceSpec, clock: Clock) -> Driver"
OPENERS = {
    "sim": "emgmap.drivers.sim:open_sim",
    "replay": "emgmap.drivers.replay:open_replay",
    "brainflow": "emgmap.drivers.brainflow:open_brainflow",
    "serial": "emgmap.drivers.serial_board:open_serial",
    "lsl": "emgmap.drivers.lsl:open_lsl",
}
KINDS = ("sim", "brainflow", "serial", "replay", "lsl")


def open_driver(spec: str, *, clock: Clock = SYSTEM_CLOCK) -> Driver:
    """A driver for ``spec`` (not started). Raises DeviceSpecError listing the valid forms."""
    parsed = parse_spec(spec or "sim", KINDS)
    target = OPENERS.get(parsed.kind)
    if target is None:
        raise DeviceSpecError(f"device kind {parsed.kind!r} is not available in this version; {valid_forms_text()}")
    module, func = target.split(":")
    driver = getattr(importlib.import_module(module), func)(parsed, clock)
    s = driver.spec
    logging.getLogger(__name__).info("opened %s: %s, %g Hz, %d channels (%s), range %g µV, mains %g Hz",
                                     s.device, s.device_model, s.fs, s.n_channels, ", ".join(s.channel_names),
                                     s.range_uv, s.power_line_hz)
    return driver


__all__ = ["Driver", "DeviceSpec", "open_driver", "parse_spec", "OPENERS", "KINDS"]
