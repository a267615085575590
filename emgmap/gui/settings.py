"""What the dashboard remembers between runs: last device, theme, trace window,
and one montage per device (TOML files, Qt-free).

The folder is ``$EMGMAP_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/emgmap``, else
``~/.config/emgmap``. A damaged settings file is ignored (defaults are used)
rather than stopping the dashboard; a damaged montage raises MontageError.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .. import tomlio
from ..montage import Montage

THEMES = ("dark", "light")
VIEWS = ("raw", "filtered")


def config_dir() -> Path:
    env = os.environ.get("EMGMAP_CONFIG_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "emgmap"


@dataclass
class GuiSettings:
    device: str = "sim"
    theme: str = "dark"
    window_s: float = 10.0        # trace window, 2-30 s
    view: str = "filtered"        # traces: raw | filtered
    record_dir: str = "~/emgmap-recordings"
    symmetry_green: float = 10.0  # |SI| zones without a protocol (a protocol brings its own)
    symmetry_amber: float = 20.0

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            self.theme = "dark"
        if self.view not in VIEWS:
            self.view = "filtered"
        self.window_s = min(30.0, max(2.0, float(self.window_s)))
        if not 0 < self.symmetry_green <= self.symmetry_amber:
            self.symmetry_green, self.symmetry_amber = 10.0, 20.0

    @classmethod
    def load(cls) -> "GuiSettings":
        p = config_dir() / "gui.toml"
        try:
            doc = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return cls()
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in doc.items() if k in known})
        except (TypeError, ValueError):
            return cls()

    def save(self) -> None:
        d = config_dir()
        d.mkdir(parents=True, exist_ok=True)
        (d / "gui.toml").write_text(tomlio.dumps(asdict(self)), encoding="utf-8")


def _montage_path(device: str, n_channels: int) -> Path:
    """One file per device (spec without its parameters) and channel count."""
    base = device.split("?", 1)[0]
    slug = re.sub(r"[^A-Za-z0-9]+", "_", base).strip("_") or "device"
    return config_dir() / "montages" / f"{slug}_{n_channels}ch.toml"


def remembered_montage(device: str, n_channels: int) -> Montage | None:
    p = _montage_path(device, n_channels)
    return Montage.load(p) if p.is_file() else None


def remember_montage(device: str, montage: Montage) -> Path:
    p = _montage_path(device, len(montage))
    p.parent.mkdir(parents=True, exist_ok=True)
    montage.save(p)
    return p
