"""Lab Streaming Layer: stream metadata shared by the outlets (:mod:`emgmap.sinks.lsl`)
and the ``lsl:`` driver. pylsl is an optional extra: ``pip install 'emgmap[lsl]'``."""
from __future__ import annotations

from ..types import ConfigError


def require_pylsl():
    """Import pylsl, or raise one sentence saying how to install it."""
    try:
        import pylsl
    except Exception as e:  # ImportError, or a wheel without its bundled liblsl (RuntimeError)
        raise ConfigError(f"LSL needs pylsl ({e.__class__.__name__}: {e}); "
                          "install it with: pip install 'emgmap[lsl]'") from None
    return pylsl
