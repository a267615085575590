"""The recorder thread: a session's rings and events -> an HDF5 recording.

It reads every sample the session put in its rings, in order (samples lost
because it fell a whole ring behind are counted in :attr:`RecorderStatus.overruns`
and written as a ``gap`` event, never dropped silently), appends events as
they happen, flushes about once a second, and finalises the file on stop.
A write error (disk full, file too large, folder gone) stops the recording
with a one-sentence message in :attr:`Recorder.status`; acquisition goes on.
For unpaced sources (a fast simulator, a replay at full speed) it holds the
acquisition thread back instead of letting the ring overrun.
"""
from __future__ import annotations

import enum
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import tomlio
from ..events import Event
from ..recordings.format import ENVELOPE_FS, RecordingError
from ..recordings.writer import RecordingWriter, _advice, _reason
from ..session import Session


class RecorderState(str, enum.Enum):
    IDLE = "idle"
    RECORDING = "recording"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True)
class RecorderStatus:
    state: RecorderState = RecorderState.IDLE
    path: str = ""
    message: str = ""            # why it failed, or that it picked a new name
    samples: int = 0             # samples written
    flushed_samples: int = 0     # samples safe on disk (as of the last flush): a crash keeps these
    seconds: float = 0.0         # time covered by the samples written
    file_bytes: int = 0
    overruns: int = 0            # samples lost because the recorder fell a ring behind
    events: int = 0


log = logging.getLogger(__name__)
WRITE_EVERY_S = 0.25        # at the latest, append what arrived this often (wall time)
RESERVE_BYTES = 1_000_000   # kept free so that the file can always be closed and finalised


class OutOfSpace(Exception):
    """The next write would not fit: stop while the file can still be closed cleanly."""


class Recorder:
    """Record ``session`` to ``path`` from now until :meth:`stop`.

    Parameters
    ----------
    session : the live session (started or not).
    path : target file; an existing file is never overwritten (a new name is picked
        and :attr:`status` says so).
    subject_id, notes : root attributes (use a pseudonym, never a name).
    compress : gzip 1 + shuffle for /emg/data.
    flush_s : seconds between flushes (wall time): a crash loses at most this much.
    config_extra : more tables for the ``config`` TOML (e.g. ``{"protocol": {...}}``).
    max_samples : record at most this many samples (``emgmap record --duration``); None: until stop.
    """

    def __init__(self, session: Session, path: str | os.PathLike, *, subject_id: str = "", notes: str = "",
                 compress: bool = False, flush_s: float = 1.0, config_extra: dict | None = None,
                 max_samples: int | None = None):
        self.session = session
        spec = session.spec
        self.writer = RecordingWriter(
            path, fs=session.fs, montage=session.montage, device=spec.device, device_model=spec.device_model,
            power_line_hz=spec.power_line_hz, low_cutoff_hz=_band(session)[0], high_cutoff_hz=_band(session)[1],
            subject_id=subject_id, notes=notes, config=session_config_toml(session, config_extra),
            aux=spec.aux, compress=compress)
        self.path = self.writer.path
        C = session.spec.n_channels
        # emg row, timestamp, index, aux; envelope at most as much
        self._row_bytes = 4 * C + 16 + 8 * len(spec.aux) + (4 * C + 8)
        self.flush_s = flush_s
        self._cursor = session.rings.cursor()   # every sample from now on, once, in order
        start = self._cursor.position
        self._end = None if max_samples is None else start + int(max_samples)
        self._env_next = math.ceil(start * ENVELOPE_FS / session.fs)  # next envelope row k
        self._events = session.event_log.cursor()
        self._calibration = None
        self._pipeline_config = session.pipeline_config
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._progress = threading.Condition()   # notified whenever rows were written
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        msg = (f"{self.writer.requested} exists; recording to {self.path} instead" if self.writer.renamed else "")
        self._status = RecorderStatus(state=RecorderState.IDLE, path=str(self.path), message=msg)
        log.info("recording to %s (subject %r); settings:\n%s", self.path, subject_id,
                 session_config_toml(session, config_extra))
        self._backpressure = not session.driver.paced
        self._held = False          # the acquisition thread is waiting for us
        if self._backpressure:  # paced sources are polled (every 50 ms); sessions cannot drop listeners,
            session.add_listener(self._on_block)  # so only the sources that need holding back get one

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> "Recorder":
        self._set(state=RecorderState.RECORDING)
        self._thread = threading.Thread(target=self._run, name="emgmap-recorder", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> RecorderStatus:
        """Write what is left in the rings, finalise the file and return the final status."""
        self._stop.set()
        self._wake.set()
        with self._progress:
            self._progress.notify_all()
        if self._thread is not None:
            self._thread.join()
        return self.status

    @property
    def status(self) -> RecorderStatus:
        return self._status

    def _set(self, **changes) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)
        with self._progress:  # a held-back acquisition thread re-checks (state changes release it)
            self._progress.notify_all()

    # -- acquisition-thread side -------------------------------------------------------------
    def _on_block(self, block) -> None:
        self._wake.set()
        if self._backpressure:  # an unpaced source waits for the recorder rather than overrun the ring
            # room for the next block (assumed no larger than this one) before the ring laps us
            limit = max(0, self.session.rings.raw.capacity - 2 * block.n)

            def room() -> bool:
                pos = self._cursor.position
                return (self.session.rings.total - pos <= limit or self._status.state != RecorderState.RECORDING
                        or self._stop.is_set() or (self._end is not None and pos >= self._end))
            with self._progress:
                if not room():
                    self._held = True
                    self._wake.set()
                    self._progress.wait_for(room)
                    self._held = False

    # -- worker ----------------------------------------------------------------------------------
    def _run(self) -> None:
        last_flush = last_write = time.monotonic()
        batch = max(1, int(self.session.fs))  # rows per append: one chunk, ~1 s of samples
        try:
            while True:
                stopping = self._stop.is_set()
                now = time.monotonic()
                flush_due = now - last_flush >= self.flush_s
                # few large appends are cheaper than many small ones; a held-back source,
                # a due flush or a stop write at once
                if (stopping or flush_due or self._held or now - last_write >= WRITE_EVERY_S
                        or self._cursor.pending >= batch):
                    self._write_pending()
                    last_write = now
                if stopping:
                    break
                if flush_due:
                    n = self.writer.n_samples
                    self.writer.flush()
                    last_flush = now
                    self._set(file_bytes=_size(self.path), flushed_samples=n)
                self._wake.wait(0.05)
                self._wake.clear()
            self.writer.close()
            self._set(state=RecorderState.STOPPED, file_bytes=_size(self.path), flushed_samples=self.writer.n_samples)
        except OutOfSpace as e:  # stopped before the disk refused: the file is finalised normally
            try:
                self.writer.close()
            except RecordingError:
                self.writer._abort()
            self._fail(str(e), "free some space or pick another folder and record again")
        except Exception as e:  # the disk refused a write: keep what was flushed
            self.writer._abort()
            # the writer's message says what happened and what to do
            self._fail(str(e) if isinstance(e, RecordingError) else f"{_reason(e)}; {_advice(e)}")

    def _fail(self, why: str, advice: str = "") -> None:
        log.error("recording to %s stopped: %s", self.path, why)
        self._set(state=RecorderState.FAILED, file_bytes=_size(self.path), message=(
            f"recording to {self.path} stopped: {why}; acquisition goes on and the file keeps the first "
            f"{self.writer.duration_s:.1f} s" + (f" - {advice}" if advice else "")))

    def _write_pending(self) -> None:
        s = self.session
        cur = self._cursor
        need = cur.pending * self._row_bytes + max(RESERVE_BYTES, int(2 * s.fs) * self._row_bytes)
        left = self.writer.space_left()
        if cur.pending and left < need:
            raise OutOfSpace(f"the disk is full ({max(left, 0) / 1e6:.1f} MB left for the file)")
        frame, lost = cur.read(stop=self._end)
        if lost:   # the writer lapped us: say what is gone, never hide it
            self.writer.add_events([Event.gap(f"{lost} samples not recorded (the recorder fell behind)",
                                              float(frame.t[0]) - lost / s.fs if frame.n else s.now_s(),
                                              lost / s.fs)])
            self._set(overruns=self._status.overruns + lost)
        if frame.n:
            self.writer.append(frame.raw, frame.t, frame.sample_index, frame.aux if s.spec.aux else None)
            self._write_envelope(frame.first, frame.stop, frame.envelope, frame.t)
        cfg = s.pipeline_config
        if cfg != self._pipeline_config:  # settings changed live: say when, and to what
            self._pipeline_config = cfg
            self.writer.add_events([Event.marker(f"pipeline settings changed: {_settings_text(cfg)}",
                                                 float(frame.t[-1]) if frame.n else s.now_s())])
        new = self._events.read()
        if new:
            self.writer.add_events(new)
        cal = _calibration(s)
        if (self._calibration is None or not all(
                np.array_equal(a, b, equal_nan=True) for a, b in zip(cal, self._calibration))):
            self.writer.set_calibration(*cal)
            self._calibration = cal
        self._set(samples=self.writer.n_samples, seconds=self.writer.duration_s, events=self._events.position)

    def _write_envelope(self, start: int, stop: int, env: np.ndarray, t: np.ndarray) -> None:
        """Decimate to 100 Hz: row k is the envelope at received sample ceil(k * fs / 100)."""
        step = self.session.fs / ENVELOPE_FS
        k = np.arange(self._env_next, math.floor((stop - 1) / step) + 1)
        at = np.ceil(k * step).astype(np.int64)
        at = at[at >= start]  # rows inside an overrun are gone
        if at.size:
            self.writer.append_envelope(env[at - start], t[at - start])
        if k.size:
            self._env_next = int(k[-1]) + 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _calibration(session: Session):
    """(rest_rms_uv, mvc_uv, rest_sd_uv) of the session's calibration (docs/dsp.md: the rest
    level is the mean of the envelope over the rest span)."""
    snap = session.calibration.snapshot()
    return (np.asarray(snap.rest_mean_uv, dtype=float), np.asarray(snap.mvc_uv, dtype=float),
            np.asarray(snap.rest_sd_uv, dtype=float))


def _band(session: Session) -> tuple[float, float]:
    """The recorded band: the hardware band narrowed by the pipeline's high- and low-pass.
    (The raw data in /emg are unfiltered; the band says what the live envelope saw.)"""
    lo, hi = session.spec.low_cutoff_hz, session.spec.high_cutoff_hz
    p = session.pipeline
    return max(lo, p.config.hp_hz), min(hi, p.design.lp_hz)


def _settings_text(config) -> str:
    return ", ".join(f"{k}={v}" for k, v in config.to_dict().items())


def session_config_toml(session: Session, extra: dict | None = None) -> str:
    """The session and pipeline settings as TOML: the root ``config`` attribute.
    ``extra`` adds tables (e.g. ``protocol`` from a guided session)."""
    spec = session.spec
    doc = {"session": {"device": spec.device, "device_model": spec.device_model, "fs": spec.fs,
                       "power_line_hz": spec.power_line_hz, "range_uv": spec.range_uv,
                       # the device's own band: what /emg/data holds (exports say it)
                       "device_band_hz": [spec.low_cutoff_hz, spec.high_cutoff_hz],
                       "ring_seconds": session.history_s},
           "pipeline": session.pipeline_config.to_dict(),
           "envelope_recording": {"sampling_frequency": ENVELOPE_FS,
                                  "decimation": "row k = envelope at received sample ceil(k * fs / 100)"},
           "montage": session.montage.to_dict(), **(extra or {})}
    return tomlio.dumps(doc)
