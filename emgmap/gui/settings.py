"""What the dashboard remembers between runs: last device, theme, trace window,
protocol, biofeedback target, window layout, and one montage per device (TOML files, Qt-free).

The folder is ``$EMGMAP_CONFIG_DIR``, else the platform's user config folder
(platformdirs: ``$XDG_CONFIG_HOME/emgmap`` or ``~/.config/emgmap`` on Linux,
``~/Library/Application Support/emgmap`` on macOS, ``%LOCALAPPDATA%\\emgmap`` on
Windows; :func:`emgmap.paths.config_dir`). Files are written with tomli-w,
completely or not at all (:mod:`emgmap.outputs`). A damaged settings file is ignored (defaults are used)
rather than stopping the dashboard; a damaged montage raises MontageError.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .. import paths, tomlio
from ..montage import Montage
from ..outputs import write_text

THEMES = ("dark", "light")
VIEWS = ("raw", "filtered")


config_dir = paths.config_dir


@dataclass
class GuiSettings:
    device: str = "sim"
    theme: str = "dark"
    window_s: float = 10.0        # trace window, 2-30 s
    view: str = "filtered"        # traces: raw | filtered
    record_dir: str = "~/emgmap-recordings"
    symmetry_green: float = 10.0  # |SI| zones without a protocol (a protocol brings its own)
    symmetry_amber: float = 20.0
    protocol: str = "clamshell"   # the guided session's last protocol
    target_pct: float = 40.0      # biofeedback target, %MVC
    sound: bool = False           # beep when the target is reached
    geometry: str = ""            # window layout: QMainWindow geometry and splitter sizes (hex)
    splitters: str = ""

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            self.theme = "dark"
        if self.view not in VIEWS:
            self.view = "filtered"
        self.window_s = min(30.0, max(2.0, float(self.window_s)))
        self.target_pct = min(100.0, max(5.0, float(self.target_pct)))
        if not 0 < self.symmetry_green <= self.symmetry_amber:
            self.symmetry_green, self.symmetry_amber = 10.0, 20.0

    @property
    def zones(self):
        """The dashboard's own symmetry zones (used without a protocol)."""
        from ..protocols import Zones
        return Zones(symmetry_green=self.symmetry_green, symmetry_amber=self.symmetry_amber)

    def splitter_sizes(self) -> list[list[int]]:
        """The remembered splitter sizes ([] when none, or a hand-edited value that does not parse)."""
        try:
            return [[int(v) for v in part.split(",")] for part in self.splitters.split(";")] if self.splitters else []
        except ValueError:
            return []

    def remember_layout(self, geometry: bytes, sizes: list[list[int]]) -> None:
        self.geometry = geometry.hex()
        self.splitters = ";".join(",".join(str(v) for v in sz) for sz in sizes)

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
        write_text(d / "gui.toml", tomlio.dumps(asdict(self)), force=True)


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
