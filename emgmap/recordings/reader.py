"""Read an emgmap recording (format_version 1), never modifying it.

A file whose recorder crashed (kill -9, power cut) still carries the HDF5
"open for writing" flag of SWMR mode: a plain ``h5py.File(path)`` refuses it,
``h5py.File(path, "r", swmr=True)`` reads everything up to the last flush.
:func:`open_recording` does that by itself and says so in
:attr:`Recording.interrupted`; ``emgmap repair`` writes a clean copy for other tools.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from ..events import Event
from ..montage import Channel, Montage
from ..types import Side
from .format import FORMAT, FORMAT_VERSION, RecordingError


@dataclass(frozen=True)
class Gap:
    """Samples missing between two recorded samples (a jump in /emg/sample_index)."""
    after_s: float          # session time of the last sample before the gap
    missing: int            # samples missing


def _text(v) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _strings(ds) -> list[str]:
    return [_text(v) for v in ds[()]]


def _open(path: Path) -> tuple[h5py.File, bool]:
    """(file, interrupted). Opens read-only; falls back to SWMR read for a crashed writer."""
    if not path.exists():
        raise RecordingError(f"recording {path} does not exist; check the path")
    if path.is_dir():
        raise RecordingError(f"{path} is a folder, not a recording; give the .h5 file")
    try:
        ok = h5py.is_hdf5(path)
    except OSError as e:
        raise RecordingError(f"cannot read {path} ({e.strerror or e}); check its permissions") from None
    if not ok:
        raise RecordingError(f"{path} is not an HDF5 file; give an emgmap recording (.h5)")
    try:
        return h5py.File(path, "r"), False
    except OSError as first:
        if "truncated" in str(first):  # shorter than its superblock says: do not read past the end
            raise RecordingError(f"{path} is damaged or truncated and cannot be read (it ends at "
                                 f"{path.stat().st_size} bytes, before its own end); use an intact copy") from None
        try:  # written in SWMR mode and never closed (crash, or still recording)
            return h5py.File(path, "r", swmr=True), True
        except OSError:
            raise RecordingError(f"{path} is damaged or truncated and cannot be read "
                                 f"({str(first).splitlines()[0]}); use an intact copy") from None


class Recording:
    """An open recording. Use as a context manager or call :meth:`close`.

    Arrays are read on demand; ``n_samples`` counts the rows present in all three
    /emg datasets (after a crash they can differ by the last append).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._f, self.interrupted = _open(self.path)
        try:
            self._check()
            self._load()
        except RecordingError:
            self.close()
            raise
        except (KeyError, OSError, ValueError, TypeError) as e:
            self.close()
            raise RecordingError(f"{self.path} is an emgmap recording with a damaged layout ({e}); "
                                 "use an intact copy") from None

    def _check(self) -> None:
        a = self._f.attrs
        if _text(a.get("format", "")) != FORMAT:
            raise RecordingError(f"{self.path} is an HDF5 file but not an emgmap recording (no format='emgmap' "
                                 "attribute); convert it with `emgmap import`")
        v = a.get("format_version")
        if v is None or int(v) != FORMAT_VERSION:
            newer = v is not None and int(v) > FORMAT_VERSION
            raise RecordingError(
                f"{self.path} is emgmap format_version {v}, this emgmap reads version {FORMAT_VERSION}; "
                + ("update emgmap to read it" if newer else "convert it with the emgmap version that wrote it"))

    def _load(self) -> None:
        f = self._f
        self.attrs = {k: (_text(v) if isinstance(v, (str, bytes)) else v.item() if hasattr(v, "item") else v)
                      for k, v in f.attrs.items()}
        self.fs = float(f["emg"].attrs["sampling_frequency"])
        ch = f["channels"]
        self.channel_names = _strings(ch["name"])
        muscles, sides, placements = _strings(ch["muscle"]), _strings(ch["side"]), _strings(ch["placement"])
        self.low_cutoff_hz = ch["low_cutoff_hz"][()]
        self.high_cutoff_hz = ch["high_cutoff_hz"][()]
        self.montage = Montage(tuple(Channel(n, m, Side(s), p) for n, m, s, p in
                                     zip(self.channel_names, muscles, sides, placements)))
        emg = f["emg"]
        self.n_samples = min(emg["data"].shape[0], emg["timestamps"].shape[0], emg["sample_index"].shape[0])
        ev = f["events"]
        n_ev = min(ev[k].shape[0] for k in ("onset_s", "duration_s", "kind", "label", "channel"))
        on, du = ev["onset_s"][:n_ev], ev["duration_s"][:n_ev]
        kind, label, chan = (_strings(ev[k])[:n_ev] for k in ("kind", "label", "channel"))
        self.events = [Event.from_row(float(o), float(d), k, lb, c) for o, d, k, lb, c in zip(on, du, kind, label, chan)]
        cal = f["calibration"]
        self.rest_rms_uv = cal["rest_rms_uv"][()]
        self.mvc_uv = cal["mvc_uv"][()]
        self.rest_sd_uv = cal["rest_sd_uv"][()] if "rest_sd_uv" in cal else np.full(self.n_channels, np.nan)
        self.aux_names = _strings(f["aux/name"]) if "aux" in f else []
        self.aux_units = _strings(f["aux/unit"]) if "aux" in f else []

    # -- metadata --------------------------------------------------------------------------
    @property
    def n_channels(self) -> int:
        return len(self.channel_names)

    @property
    def finalised(self) -> bool:
        """True when the recorder stopped cleanly (``n_samples``/``duration_s`` attributes hold values)."""
        return int(self.attrs.get("n_samples", -1)) >= 0  # -1 while recording (SWMR needs it created)

    @property
    def device(self) -> str:
        return str(self.attrs.get("device", ""))

    @property
    def config(self) -> dict:
        """The /config TOML as a dict ({} when empty)."""
        text = str(self.attrs.get("config", ""))
        try:
            return tomllib.loads(text) if text else {}
        except tomllib.TOMLDecodeError:
            raise RecordingError(f"{self.path}: the config attribute is not valid TOML") from None

    @property
    def duration_s(self) -> float:
        """Time covered: last timestamp - first + one sample period."""
        if self.n_samples == 0:
            return 0.0
        t = self._f["emg/timestamps"]
        return float(t[self.n_samples - 1] - t[0]) + 1.0 / self.fs

    def gaps(self) -> list[Gap]:
        """Jumps in the device sample index (samples lost before they reached the host)."""
        idx = self.sample_index()
        t = self.timestamps()
        jumps = np.flatnonzero(np.diff(idx) != 1)
        return [Gap(float(t[j]), int(idx[j + 1] - idx[j] - 1)) for j in jumps]

    # -- data ----------------------------------------------------------------------------------------
    def data(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(n, C) float32 µV, rows [start, stop)."""
        return self._f["emg/data"][start:self._stop(stop)]

    def timestamps(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        return self._f["emg/timestamps"][start:self._stop(stop)]

    def sample_index(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        return self._f["emg/sample_index"][start:self._stop(stop)]

    def aux(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(n, A) float64 non-EMG columns (``aux_names``, ``aux_units``); (n, 0) when none."""
        if "aux" not in self._f:
            return np.zeros((self._stop(stop) - start, 0))
        return self._f["aux/data"][start:self._stop(stop)]

    def envelope(self) -> tuple[np.ndarray, np.ndarray]:
        """(m, C) µV envelope at 100 Hz and its (m,) timestamps (empty when not recorded)."""
        env = self._f["envelope"]
        m = min(env["data"].shape[0], env["timestamps"].shape[0])
        return env["data"][:m], env["timestamps"][:m]

    def _stop(self, stop: int | None) -> int:
        return self.n_samples if stop is None else min(stop, self.n_samples)

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_recording(path: str | os.PathLike) -> Recording:
    """Open ``path`` read-only; raises :class:`RecordingError` with one sentence on bad input."""
    return Recording(path)
