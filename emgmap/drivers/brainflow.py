"""``brainflow:NAME?...`` devices: any BrainFlow board by name or id.

``brainflow:cyton?port=/dev/ttyUSB0``, ``brainflow:synthetic``,
``brainflow:cyton_daisy?port=...``, ``brainflow:ganglion?port=...``,
``brainflow:cyton_wifi?ip=192.168.4.1&ip_port=6677`` (ip_port: any free local port),
``brainflow:playback?file=rec.csv&master_board=cyton``.

EMG rows are the board's ``get_emg_channels`` (else ``get_exg_channels``), in
µV as BrainFlow returns them. BrainFlow's host timestamps (wall time at parse)
are moved onto the session clock's time line. The package counter is
unwrapped into absolute sample indices (:class:`CounterUnwrapper`), so lost
packets become counted gaps. Marker-row values become ``SampleBlock.markers``.
BrainFlow's ``DataFilter`` is stateless between calls, so it has no place
here: filtering is the session pipeline's job.
"""
from __future__ import annotations

import collections
import os
import time

import numpy as np

from ..clock import SYSTEM_CLOCK, Clock
from ..counter import BRAINFLOW_BOARDS, COUNTERS, CounterUnwrapper
from ..montage import guess_montage
from ..recordings import brainflow_csv
from ..types import DeviceError, DeviceLost, Remedy, SampleBlock, StreamSpec
from .base import Driver
from .spec import DeviceSpec

PARAMS = ("port", "mac", "ip", "ip_port", "serial_number", "timeout", "file", "master_board", "other_info")
SILENCE_S = 1.0          # no sample for this long while streaming: the device is lost
START_GRACE_S = 3.0      # ... or for this long after start_stream (a WiFi shield is slower to begin)
RECOMMENDED_FS = 1000.0  # reference/semg.md §1 (SENIAM)
NEEDS_PORT = ("cyton", "cyton_daisy", "ganglion", "ganglion_native")


def _brainflow():
    try:
        return brainflow_csv.board_shim()
    except Exception as e:  # missing, or setuptools >= 81 without pkg_resources
        raise DeviceError(f"BrainFlow cannot be imported ({e}); run `pip install brainflow 'setuptools<81'`") from None


def board_names() -> dict[str, int]:
    """BrainFlow board name (lower case, no ``_board``) -> id, plus ``playback``."""
    bs = _brainflow()
    return {**brainflow_csv.board_names(), "playback": int(bs.BoardIds.PLAYBACK_FILE_BOARD)}


def board_id(name: str, what: str) -> int:
    names = board_names()
    key = name.strip().lower().removesuffix("_board")
    if key in names:
        return names[key]
    try:
        i = int(key)
    except ValueError:
        i = None
    if i is not None and i in names.values():
        return i
    common = "synthetic, cyton, cyton_daisy, ganglion, cyton_wifi, playback"
    raise DeviceError(f"{what}: unknown BrainFlow board {name!r}; try {common} "
                      "(`emgmap devices` lists them all)")


class BrainFlowDriver(Driver):
    """Streams a BrainFlow board; reconnects after a loss (``reconnectable``)."""

    reconnectable = True

    def __init__(self, spec: DeviceSpec, clock: Clock = SYSTEM_CLOCK):
        bs = _brainflow()
        self.clock = clock
        name = spec.target or "synthetic"
        self.board_id = board_id(name, f"device {spec.text!r}")
        key = next(k for k, v in board_names().items() if v == self.board_id)
        p = bs.BrainFlowInputParams()
        p.serial_port = spec.take_str("port", "")
        p.mac_address = spec.take_str("mac", "")
        p.ip_address = spec.take_str("ip", "")
        p.ip_port = spec.take_int("ip_port", 0, 0, 65535)
        p.serial_number = spec.take_str("serial_number", "")
        p.timeout = spec.take_int("timeout", 0, 0, 600)
        p.file = spec.take_str("file", "")
        p.other_info = spec.take_str("other_info", "")
        master = spec.take_str("master_board")
        spec.finish(PARAMS)
        self.port = p.serial_port
        self.data_id = self.board_id  # whose row layout the data follows
        if self.board_id == int(bs.BoardIds.PLAYBACK_FILE_BOARD):
            if not p.file or master is None:
                raise DeviceError(f"device {spec.text!r}: playback needs file=PATH and master_board=NAME "
                                  "(the board that recorded the file)")
            if not os.path.isfile(p.file):
                raise DeviceError(f"device {spec.text!r}: no such file {p.file!r}; check the path")
            self.data_id = board_id(master, f"device {spec.text!r}")
            p.master_board = self.data_id
            self.reconnectable = False  # a file that ended does not come back
        if key in NEEDS_PORT and not p.serial_port:
            raise DeviceError(f"device {spec.text!r}: a {key} needs port=..., e.g. brainflow:{key}?port=/dev/ttyUSB0; "
                              "`emgmap devices` lists the ports")
        self.params = p
        B = bs.BoardShim
        desc = B.get_board_descr(self.data_id)
        self.rows = list(desc.get("emg_channels") or desc.get("exg_channels") or desc.get("eeg_channels") or [])
        if not self.rows:
            raise DeviceError(f"device {spec.text!r}: BrainFlow board {key} has no EMG/ExG rows to stream")
        self.ts_row = desc["timestamp_channel"]
        self.pkg_row = desc.get("package_num_channel")
        self.marker_row = desc.get("marker_channel")
        fs = float(desc["sampling_rate"])
        self.montage = guess_montage(len(self.rows))
        names = self.montage.names if self.montage else tuple(f"ch{i + 1}" for i in range(len(self.rows)))
        model = f"BrainFlow {desc.get('name', key)}"
        self.spec = StreamSpec(fs=fs, channel_names=names, device=spec.text, device_model=model)
        # the board's counter rule, the one the importers use (Ganglion: two samples per packet id)
        board = BRAINFLOW_BOARDS.get(self.data_id) if self.pkg_row is not None else None
        rule = COUNTERS[board] if board is not None else None
        self._unwrap = CounterUnwrapper.for_rule(rule, fs=fs)
        self._warnings = []
        if fs < RECOMMENDED_FS:
            self._warnings.append(
                f"{model} streams {fs:g} Hz, below the 1000 Hz recommended for sEMG (SENIAM): envelopes and "
                "ratios within this device still work, but absolute µV are not comparable with clinical systems")
        if rule is None:
            self._warnings.append(f"{model}: its package counter is not interpreted, so lost samples are not "
                                  "detected as gaps")
        self._board = None
        self._offset = 0.0
        self._last_data = 0.0
        self._streaming = False  # a sample arrived since start()
        self._pending: collections.deque[SampleBlock] = collections.deque()

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self._warnings)

    def _where(self) -> str:
        return self.port or self.params.file or self.params.ip_address or self.spec.device

    def _error(self, e: Exception) -> DeviceError:
        """One sentence for a BrainFlow failure, naming the port and what to try."""
        code = getattr(e, "exit_code", None)
        codes = _brainflow().BrainFlowExitCodes
        where = self._where()
        if code == codes.UNABLE_TO_OPEN_PORT_ERROR:
            return DeviceError(f"cannot open {where}: no such port or no permission", Remedy.LIST_DEVICES,
                               " (on Linux add yourself to the dialout group)")
        if code == codes.BOARD_NOT_READY_ERROR:
            return DeviceError(f"{where} did not answer like an OpenBCI board; check that the board is switched on "
                               "(PC position) and that this is the dongle's port")
        if code == codes.ANOTHER_BOARD_IS_CREATED_ERROR:
            return DeviceError(f"{where} is already in use by another BrainFlow session; close it first")
        if code == codes.SET_PORT_ERROR:
            return DeviceError(f"cannot configure {where} as a serial port; check that it is the board's dongle")
        return DeviceError(f"BrainFlow could not stream from {where} ({e}); check the board and the device spec")

    def start(self) -> None:
        if self.port and os.path.exists(self.port):
            # BrainFlow neither locks the port nor tells "busy" apart: a serial monitor or a second
            # emgmap holding it would garble the stream; pyserial's lock test says it in one sentence
            from .serial_board import open_port
            open_port(self.port, 115200, f"device {self.spec.device!r}").close()
        bs = _brainflow()
        bs.BoardShim.disable_board_logger()  # failures become our one-sentence errors instead
        board = bs.BoardShim(self.board_id, self.params)
        try:
            board.prepare_session()
            board.start_stream()
        except bs.BrainFlowError as e:
            try:
                board.release_session()
            except bs.BrainFlowError:
                pass
            raise self._error(e) from None
        self._board = board
        # BrainFlow stamps samples with wall time; this maps it onto the session clock
        self._offset = self.clock.now() - time.time()
        self._last_data, self._streaming = self.clock.now(), False
        self._unwrap.resume()

    def stop(self) -> None:
        board, self._board = self._board, None
        if board is None:
            return
        bs = _brainflow()
        for call in (board.stop_stream, board.release_session):
            try:
                call()
            except bs.BrainFlowError:  # the board may be gone already
                pass

    def insert_marker(self, value: float) -> None:
        """Put a non-zero ``value`` into BrainFlow's marker row at the current sample."""
        if self._board is None:
            raise RuntimeError("insert_marker() before start()")
        self._board.insert_marker(float(value))

    def read(self) -> SampleBlock | None:
        if self._pending:
            return self._pending.popleft()
        if self._board is None:
            raise RuntimeError("read() before start()")
        data = self._board.get_board_data()
        now = self.clock.now()
        if data.shape[1] == 0:
            if now - self._last_data > (SILENCE_S if self._streaming else START_GRACE_S):
                if not self.reconnectable:
                    raise DeviceLost(f"playback of {self.params.file} reached its end")
                raise DeviceLost(f"{self._where()} sent nothing for {SILENCE_S:g} s; check the board's power, "
                                 "its dongle and the cable")
            self.clock.sleep(0.02)
            return None
        self._last_data, self._streaming = now, True
        self._blocks(data)
        return self._pending.popleft() if self._pending else None

    def _blocks(self, data: np.ndarray) -> None:
        ts = data[self.ts_row] + self._offset
        pkg = data[self.pkg_row] if self.pkg_row is not None else None
        idx = np.empty(data.shape[1], dtype=np.int64)
        keep = np.ones(data.shape[1], dtype=bool)
        for j in range(data.shape[1]):
            i = self._unwrap(None if pkg is None else int(pkg[j]), float(ts[j]))
            if i is None:
                keep[j] = False
            else:
                idx[j] = i
        idx, ts = idx[keep], ts[keep]
        x = data[self.rows][:, keep].T
        markers = data[self.marker_row][keep] if self.marker_row is not None else np.zeros(idx.size)
        cuts = np.flatnonzero(np.diff(idx) != 1) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, idx.size]):
            if b <= a:
                continue
            m = tuple((int(idx[k]), f"{markers[k]:g}") for k in range(a, b) if markers[k] != 0)
            self._pending.append(SampleBlock(np.ascontiguousarray(x[a:b]), ts[a:b].copy(), int(idx[a]), m))


def open_brainflow(spec: DeviceSpec, clock: Clock) -> BrainFlowDriver:
    return BrainFlowDriver(spec, clock)
