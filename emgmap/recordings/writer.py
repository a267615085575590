"""Write an emgmap HDF5 recording, format_version 1 (DESIGN §3, docs/recording-format.md).

Every group, dataset and attribute is created first, under a temporary
owner-only name in the target folder, then SWMR mode is switched on
(``libver='latest'``) and only then does the file get its name (never over an
existing file: docs/outputs.md), so a crash in the first milliseconds never
leaves a recording that cannot be opened. From then on only appends and value
writes happen, and each :meth:`RecordingWriter.flush` leaves a file that a
crash cannot take back (h5py/HDF5 SWMR; reference/boards-and-libraries.md).
The attributes only known at the end (``n_samples``, ``duration_s``) exist
from the start (-1 and NaN) and get their values in :meth:`RecordingWriter.close`
while SWMR is still on: no reopening, so a reader holding the file open
(reading while recording) cannot stop the recording from being finalised.

After a write fails (disk full, file too large, disk gone) nothing more is
written through HDF5: closing a file after a failed write crashes HDF5, so the
file's descriptor is pointed at the null device first (:func:`abandon`) and the
file on disk keeps exactly what the last successful flush left.
"""
from __future__ import annotations

import datetime as _dt
import errno
import os
from pathlib import Path
from typing import Iterable, Sequence

import h5py
import numpy as np

try:
    import resource
except ImportError:  # Windows: no file-size limits to respect
    resource = None

from .. import __version__
from ..montage import Montage
from ..outputs import partial_path, publish_unique
from .format import ENVELOPE_FS, FORMAT, FORMAT_VERSION, STR, RecordingError, chunk_rows


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def abandon(f: h5py.File, drop=None) -> None:
    """Close ``f`` after a failed write without writing to its file again: HDF5 flushes its
    caches when objects and the file close, and doing that after a failed write crashes the
    process (a segfault, HDF5 1.14). The descriptor is pointed at the null device first,
    which takes those writes; ``drop()`` then releases the caller's dataset handles."""
    try:
        fd = f.id.get_vfd_handle()
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
    except Exception:  # already closed, or a driver without a descriptor: nothing to redirect
        pass
    if drop is not None:
        drop()
    try:
        f.close()
    except Exception:  # the null device took the writes; errors about the old file do not matter
        pass


def _grow(ds: h5py.Dataset, rows: np.ndarray) -> int:
    """Append ``rows``; returns their size in bytes."""
    n = ds.shape[0]
    ds.resize(n + rows.shape[0], axis=0)
    ds[n:] = rows
    return rows.nbytes


class RecordingWriter:
    """One recording file, appended to as samples arrive.

    Parameters
    ----------
    path : where to write; if something is there already (or appears while the file is
        being created) the writer picks ``<stem>-1.h5`` (see :attr:`path` and :attr:`renamed`),
        it never overwrites. The file is owner-only (0600).
    fs : sampling frequency, Hz.
    montage : channel names, muscles, sides and placements, in column order.
    device, device_model : the device spec string and a human-readable board name.
    low_cutoff_hz, high_cutoff_hz : the band of each channel (hardware + software), scalar or (C,).
    config : the pipeline and session settings as TOML text.
    aux : names and units of non-EMG columns stored row for row beside /emg (e.g. a knee
        angle or an accelerometer in an imported file), as ``[(name, unit), ...]``.
    compress : gzip level 1 + shuffle on /emg/data (float sEMG compresses only ~1.2x).
    swmr : switch SWMR mode on after creating everything (live recording: the file gets its
        name then, so others can read it while it grows); importers that write everything at
        once pass False, and the file gets its name only when :meth:`close` completes it.
    """

    def __init__(self, path: str | os.PathLike, *, fs: float, montage: Montage, device: str,
                 device_model: str, power_line_hz: float = 50.0, low_cutoff_hz: float | Sequence[float] = 0.0,
                 high_cutoff_hz: float | Sequence[float] | None = None, subject_id: str = "", notes: str = "",
                 config: str = "", aux: Sequence[tuple[str, str]] = (), compress: bool = False,
                 swmr: bool = True, placement_scheme: str = "SENIAM"):
        self.requested = Path(path)
        self.renamed = False
        self._swmr = swmr
        self._failed: str | None = None   # why a write failed: nothing is written after that
        self.fs = float(fs)
        self.n_channels = len(montage)
        self.n_samples = 0
        self._unflushed = 0   # bytes appended since the last flush (not yet allocated in the file)
        self._first_t: float | None = None
        self._last_t: float | None = None
        try:
            self.path = partial_path(self.requested)
            f = h5py.File(self.path, "w", libver="latest")  # the empty 0600 file: its mode is kept
        except (OSError, ValueError) as e:
            raise RecordingError(f"cannot create recording {self.requested} ({_reason(e)}); "
                                 "choose a folder you can write to") from None
        self._f = f
        try:
            self._create(f, montage, device, device_model, power_line_hz, low_cutoff_hz, high_cutoff_hz,
                         subject_id, notes, config, aux, compress, placement_scheme)
            f.flush()
            if swmr:
                f.swmr_mode = True
                self._publish()
        except Exception as e:
            self._failed = _reason(e)  # HDF5 must not write again (see abandon)
            self._abort()
            self.path.unlink(missing_ok=True)
            raise RecordingError(f"cannot write recording {self.requested} ({_reason(e)}); "
                                 f"{_advice(e)}") from None
        self._emg, self._t, self._idx = f["emg/data"], f["emg/timestamps"], f["emg/sample_index"]
        self._env, self._env_t = f["envelope/data"], f["envelope/timestamps"]
        self._aux = f["aux/data"] if "aux" in f else None
        self._ev = {k: f[f"events/{k}"] for k in ("onset_s", "duration_s", "kind", "label", "channel")}
        self._cal = f["calibration/rest_rms_uv"], f["calibration/mvc_uv"], f["calibration/rest_sd_uv"]

    @property
    def shown(self) -> Path:
        """The name to show the user: the file's own once it has one."""
        return self.requested if ".partial-" in self.path.name else self.path

    def _publish(self) -> None:
        """Give the complete file its name (or the next free one)."""
        tmp = self.path
        self.path = publish_unique(tmp, self.requested)
        self.renamed = self.path != self.requested

    def _create(self, f, montage, device, device_model, power_line_hz, low, high, subject_id, notes, config,
                aux, compress, placement_scheme) -> None:
        C, rows = len(montage), chunk_rows(self.fs)
        f.attrs.update({
            "format": FORMAT, "format_version": np.int64(FORMAT_VERSION), "software_version": __version__,
            "created_utc": utc_now(), "subject_id": subject_id, "device": device, "device_model": device_model,
            "power_line_hz": float(power_line_hz), "placement_scheme": placement_scheme, "notes": notes,
            "config": config,
            # known at the end; created now because SWMR allows changing attributes, not adding them
            "n_samples": np.int64(-1), "duration_s": float("nan"),
        })
        emg = f.create_group("emg")
        emg.attrs.update({"sampling_frequency": self.fs, "unit": "uV"})
        extra = {"compression": "gzip", "compression_opts": 1, "shuffle": True} if compress else {}
        emg.create_dataset("data", (0, C), maxshape=(None, C), chunks=(rows, C), dtype="f4", **extra)
        emg.create_dataset("timestamps", (0,), maxshape=(None,), chunks=(rows,), dtype="f8")
        emg.create_dataset("sample_index", (0,), maxshape=(None,), chunks=(rows,), dtype="i8")
        ch = f.create_group("channels")
        ch.create_dataset("name", data=[c.name for c in montage.channels], dtype=STR)
        ch.create_dataset("muscle", data=[c.muscle for c in montage.channels], dtype=STR)
        ch.create_dataset("side", data=[c.side.value for c in montage.channels], dtype=STR)
        ch.create_dataset("placement", data=[c.placement for c in montage.channels], dtype=STR)
        high = self.fs / 2 if high is None else high
        ch.create_dataset("low_cutoff_hz", data=np.broadcast_to(np.asarray(low, float), (C,)))
        ch.create_dataset("high_cutoff_hz", data=np.broadcast_to(np.asarray(high, float), (C,)))
        ev = f.create_group("events")
        for k in ("onset_s", "duration_s"):
            ev.create_dataset(k, (0,), maxshape=(None,), chunks=(256,), dtype="f8")
        for k in ("kind", "label", "channel"):
            ev.create_dataset(k, (0,), maxshape=(None,), chunks=(256,), dtype=STR)
        cal = f.create_group("calibration")
        cal.create_dataset("rest_rms_uv", data=np.full(C, np.nan))
        cal.create_dataset("mvc_uv", data=np.full(C, np.nan))
        cal.create_dataset("rest_sd_uv", data=np.full(C, np.nan))  # extension: the rest envelope's SD
        env = f.create_group("envelope")
        env.attrs.update({"sampling_frequency": ENVELOPE_FS, "unit": "uV",
                          "method": "the live envelope at received sample ceil(k * fs / 100), k = 0, 1, ..."})
        env_rows = chunk_rows(ENVELOPE_FS)
        env.create_dataset("data", (0, C), maxshape=(None, C), chunks=(env_rows, C), dtype="f4")
        env.create_dataset("timestamps", (0,), maxshape=(None,), chunks=(env_rows,), dtype="f8")
        if aux:
            g = f.create_group("aux")
            g.attrs["sampling_frequency"] = self.fs
            g.create_dataset("data", (0, len(aux)), maxshape=(None, len(aux)), chunks=(rows, len(aux)), dtype="f8")
            g.create_dataset("name", data=[a[0] for a in aux], dtype=STR)
            g.create_dataset("unit", data=[a[1] for a in aux], dtype=STR)

    # -- appends ----------------------------------------------------------------------
    def _writing(self):
        """Context for every HDF5 write: the first failure abandons the file (:func:`abandon`)
        and every later write is refused, so HDF5 never writes after a failed write."""
        return _Writing(self)

    def append(self, data: np.ndarray, timestamps: np.ndarray, sample_index: np.ndarray,
               aux: np.ndarray | None = None) -> None:
        """Append ``n`` rows: (n, C) µV, (n,) s, (n,) device index [, (n, A) aux]."""
        n = data.shape[0]
        if n == 0:
            return
        with self._writing():
            self._append(data, timestamps, sample_index, aux, n)

    def _append(self, data, timestamps, sample_index, aux, n: int) -> None:
        self._unflushed += _grow(self._emg, np.asarray(data, dtype=np.float32))
        self._unflushed += _grow(self._t, np.asarray(timestamps, dtype=np.float64))
        self._unflushed += _grow(self._idx, np.asarray(sample_index, dtype=np.int64))
        if self._aux is not None:
            self._unflushed += _grow(self._aux, np.asarray(aux, dtype=np.float64).reshape(n, -1))
        if self._first_t is None:
            self._first_t = float(timestamps[0])
        self._last_t = float(timestamps[-1])
        self.n_samples += n

    def append_envelope(self, data: np.ndarray, timestamps: np.ndarray) -> None:
        if data.shape[0]:
            with self._writing():
                self._unflushed += _grow(self._env, np.asarray(data, dtype=np.float32))
                self._unflushed += _grow(self._env_t, np.asarray(timestamps, dtype=np.float64))

    def add_events(self, events: Iterable) -> None:
        """Append :class:`~emgmap.events.Event` s (their DESIGN §3 rows)."""
        rows = [e.row() for e in events]
        if not rows:
            return
        with self._writing():
            for i, key in enumerate(("onset_s", "duration_s")):
                _grow(self._ev[key], np.array([r[i] for r in rows], dtype=np.float64))
            for i, key in enumerate(("kind", "label", "channel"), 2):
                _grow(self._ev[key], np.array([r[i] for r in rows], dtype=object))

    def set_calibration(self, rest_rms_uv: Sequence[float], mvc_uv: Sequence[float],
                        rest_sd_uv: Sequence[float] | None = None) -> None:
        """Per channel, NaN where not calibrated: the rest level (mean of the RMS envelope at
        rest, docs/dsp.md), the MVC reference and the rest envelope's SD."""
        with self._writing():
            self._cal[0][:] = np.asarray(rest_rms_uv, dtype=np.float64)
            self._cal[1][:] = np.asarray(mvc_uv, dtype=np.float64)
            if rest_sd_uv is not None:
                self._cal[2][:] = np.asarray(rest_sd_uv, dtype=np.float64)

    def flush(self) -> None:
        with self._writing():
            self._f.flush()
        self._unflushed = 0

    def space_left(self) -> int:
        """Bytes this file may still grow by: free space on its disk, and the process's
        file-size limit (RLIMIT_FSIZE) where there is one."""
        st = os.statvfs(self.path.parent)
        left = st.f_bavail * st.f_frsize
        if resource is not None:
            soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
            if soft != resource.RLIM_INFINITY:
                left = min(left, soft - max(self._f.id.get_filesize(), _size(self.path)))
        # appended rows wait in HDF5's chunk cache until a flush allocates them
        return left - self._unflushed

    @property
    def duration_s(self) -> float:
        """Time covered: last timestamp - first + one sample period (0 when empty)."""
        if self._first_t is None:
            return 0.0
        return self._last_t - self._first_t + 1.0 / self.fs

    # -- end -------------------------------------------------------------------------------
    def close(self) -> None:
        """Close and finalise: ``n_samples`` and ``duration_s`` on the root (set in place, SWMR
        still on: a reader holding the file open does not matter). A file written without SWMR
        gets its name now. Raises RecordingError when the disk refuses; what was flushed
        stays readable."""
        if self._failed:
            self._abort()
            raise RecordingError(f"could not finish recording {self.shown}: {self._failed}")
        if self._f is None:
            return
        f = self._f
        try:
            with self._writing():
                f.attrs["n_samples"] = np.int64(self.n_samples)
                f.attrs["duration_s"] = float(self.duration_s)
                f.flush()
            self._drop_handles()
            self._f = None
            f.close()
        except RecordingError:
            raise
        except Exception as e:
            raise RecordingError(f"could not finish recording {self.shown} ({_reason(e)}); "
                                 "what was written before stays readable") from None
        if not self._swmr:
            tmp = self.path
            try:
                self._publish()
            except OSError as e:
                tmp.unlink(missing_ok=True)
                raise RecordingError(f"could not name recording {self.requested} ({_reason(e)}); nothing was "
                                     "kept") from None

    def _drop_handles(self) -> None:
        # every handle into the file goes first, so that closing really closes it
        self._emg = self._t = self._idx = self._env = self._env_t = self._aux = None
        self._ev, self._cal = {}, ()

    def _abort(self) -> None:
        """Close after a failure without finalising (the file keeps what was flushed). After a
        failed write nothing more reaches the disk (:func:`abandon`)."""
        f, self._f = self._f, None
        if f is None:
            self._drop_handles()
            return
        if self._failed:
            abandon(f, self._drop_handles)
            return
        self._drop_handles()
        try:
            f.close()
        except Exception:  # the disk that failed the write may fail the close too
            pass

    def discard(self) -> None:
        """Close after a failure and remove the file: for an output that is complete or absent
        (an import), where what was flushed is worth nothing."""
        self._abort()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()


class _Writing:
    """See :meth:`RecordingWriter._writing`."""

    def __init__(self, writer: RecordingWriter):
        self.w = writer

    def __enter__(self) -> None:
        if self.w._failed:
            raise RecordingError(f"recording {self.w.shown} is no longer written: {self.w._failed}")
        if self.w._f is None:
            raise RecordingError(f"recording {self.w.shown} is closed")

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None or not issubclass(exc_type, OSError):
            return False  # a write the disk refused is an OSError; anything else is a bug to see
        w = self.w
        w._failed = f"a write failed ({_reason(exc)}); {_advice(exc)}"
        w._abort()
        raise RecordingError(f"writing {w.shown} failed ({_reason(exc)}); {_advice(exc)}") from None


def _advice(e: BaseException) -> str:
    """What to do about a failed write, from what really happened."""
    err = _errno(e)
    if err in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free some space or pick another folder"
    if err in (errno.EAGAIN, errno.EBUSY, errno.ETXTBSY):
        return "another program holds the file; close it and try again"
    if err in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "pick a folder you can write to"
    if err in (errno.EIO, errno.ENODEV, errno.ENXIO, errno.ENOENT):
        return "the disk or folder went away; check the drive and record again"
    return "check the disk and the folder"


def _errno(e: BaseException) -> int | None:
    err = getattr(e, "errno", None)
    if err:
        return err
    text = str(e)
    if "errno = " in text:
        try:
            return int(text.split("errno = ", 1)[1].split(",")[0])
        except ValueError:
            return None
    return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _reason(e: BaseException) -> str:
    """The operating system's words for a failure, e.g. 'No space left on device'."""
    err = getattr(e, "errno", None)
    if err:
        return os.strerror(err)
    text = str(e)
    for marker in ("errno = ", "error message = '"):
        if marker in text:  # HDF5 embeds the system error in a longer message
            rest = text.split(marker, 1)[1]
            if marker.startswith("errno"):
                try:
                    return os.strerror(int(rest.split(",")[0]))
                except ValueError:
                    pass
            return rest.split("'")[0]
    return text.splitlines()[0] if text else type(e).__name__
