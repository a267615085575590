"""Publish a running session over LSL: raw EMG, its envelope, the live indices and a
Markers stream.

A publisher thread reads the session's rings through a lossless cursor (so a
slow network never stalls acquisition) and pushes chunks with per-sample
timestamps mapped from session time to the LSL clock.
"""
from __future__ import annotations

import threading

import numpy as np

from ..lsl import require_pylsl
from ..lsl.channels import describe
from ..session import Session

# activation follows the calibration (%MVC, % peak or µV: the Markers stream says when it changes)
INDEX_UNITS = {"act": "normalised", "si": "percent", "lr": "ratio", "ratio": "ratio"}


class LslPublisher:
    """Outlets for ``session``: ``<name>`` (type EMG, µV), ``<name> envelope``
    (type Envelope, µV, the pipeline's envelope), ``<name> indices`` (type Indices,
    the session's live index rows, docs/dsp.md §8) and ``<name> markers`` (type
    Markers, one string per event: ``<kind>: <label>``)."""

    def __init__(self, session: Session, name: str = "emgmap", source_id: str | None = None):
        pylsl = require_pylsl()
        self._pylsl = pylsl
        self.session = session
        self.name = name
        spec = session.spec
        uid = source_id or f"emgmap-{spec.device}"
        info = pylsl.StreamInfo(name, "EMG", spec.n_channels, spec.fs, pylsl.cf_float32, uid)
        describe(info, session.montage)
        acq = info.desc().append_child("acquisition")
        acq.append_child_value("manufacturer", spec.device_model)
        acq.append_child_value("device", spec.device)
        self.raw = pylsl.StreamOutlet(info, chunk_size=0, max_buffered=60)
        einfo = pylsl.StreamInfo(f"{name} envelope", "Envelope", spec.n_channels, spec.fs, pylsl.cf_float32,
                                 uid + "-envelope")
        describe(einfo, session.montage, ch_type="EMG envelope")
        self.envelope = pylsl.StreamOutlet(einfo, chunk_size=0, max_buffered=60)
        self.index_columns = session.index_columns[2:]  # without t and sample
        iinfo = pylsl.StreamInfo(f"{name} indices", "Indices", len(self.index_columns), session.index_rate_hz,
                                 pylsl.cf_float32, uid + "-indices")
        chans = iinfo.desc().append_child("channels")
        for col in self.index_columns:
            el = chans.append_child("channel")
            el.append_child_value("label", col)
            el.append_child_value("unit", INDEX_UNITS[col.split(":")[0]])
            el.append_child_value("type", "index")
        self.indices = pylsl.StreamOutlet(iinfo, chunk_size=0, max_buffered=60)
        self._index_cursor = session.rings.index_cursor(0)
        minfo = pylsl.StreamInfo(f"{name} markers", "Markers", 1, pylsl.IRREGULAR_RATE, pylsl.cf_string,
                                 uid + "-markers")
        self.markers = pylsl.StreamOutlet(minfo)
        self.overruns = 0
        self.pushed = 0
        self._cursor = session.rings.cursor(0)
        self._events = session.event_log.cursor(0)
        self._offset: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emgmap-lsl", daemon=True)

    def start(self) -> "LslPublisher":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Push what is left, then close the outlets."""
        self._stop.set()
        self._thread.join()
        self._push()
        del self.raw, self.envelope, self.indices, self.markers

    def to_lsl(self, t: np.ndarray | float):
        """Session seconds -> LSL clock seconds (both monotonic; offset taken once)."""
        if self._offset is None:
            self._offset = self.session.t0 + self._pylsl.local_clock() - self.session.clock.now()
        return t + self._offset

    def _push(self) -> None:
        frame, lost = self._cursor.read()
        self.overruns += lost
        if frame.n:
            stamps = self.to_lsl(frame.t).tolist()
            self.raw.push_chunk(frame.raw.astype(np.float32), stamps)
            self.envelope.push_chunk(frame.envelope.astype(np.float32), stamps)
            self.pushed += frame.n
        before = self._index_cursor.overruns
        rows = self._index_cursor.read()
        self.overruns += self._index_cursor.overruns - before
        if rows.n:
            self.indices.push_chunk(rows.values[:, 2:].astype(np.float32), self.to_lsl(rows.values[:, 0]).tolist())
        for ev in self._events.read():
            self.markers.push_sample([f"{ev.kind.value}: {ev.label}"], float(self.to_lsl(ev.onset_s)))

    def _run(self) -> None:
        s = self.session
        while not self._stop.is_set():
            s.wait_until(lambda s: s.rings.total > self._cursor.position or self._stop.is_set(), timeout=0.1)
            self._push()
            if not s.running and self._cursor.pending == 0:
                self._stop.wait(0.05)  # the session has ended: idle until stop()
