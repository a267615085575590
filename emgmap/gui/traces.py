"""Stacked live traces: every channel in one plot, one width-1 curve per lane,
antialiasing off, decimated by :class:`~emgmap.gui.decimate.MinMaxTrace` to the
plot's pixel width (reference/boards-and-libraries.md: one PlotItem with
width-1 curves is the fast layout; pyqtgraph's peak downsampling is slower).
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QPainter, QPen, QPolygonF
from PyQt6.QtWidgets import QGraphicsItem

from ..app.levels import nice_scale
from ..montage import Montage
from ..ringbuffer import RingBuffer
from ..types import ConfigError, Side
from .decimate import MinMaxTrace
from .theme import MEDIUM_PT, OKABE_ITO, Theme, font

METHODS = ("minmax", "pyqtgraph")
FLAG_WORDS = {"mains-heavy": "mains", "too short": "short"}   # short enough for the fixed label column
LANE_HALF = 0.45          # a channel uses ±0.45 of its unit-high lane; clipped there


class LanesItem(pg.GraphicsObject):
    """Every lane's polyline in one item: one QPolygonF per lane, filled in place from numpy
    and drawn with ``drawPolyline`` (no QPainterPath), with fixed bounds (x sorted within the
    window, y clipped to the lanes). Per pyqtgraph curve item the frame paid for path
    building, bounds and signals (measured: ~6 ms of an 11 ms frame for 16 lanes)."""

    def __init__(self, n_lanes: int, window_s: float):
        super().__init__()
        self.pens: list[QPen] = [QPen()] * n_lanes
        self._polys = [QPolygonF() for _ in range(n_lanes)]
        self._x = np.zeros(0)
        self._y = np.zeros((0, n_lanes))
        self.set_window(window_s)

    def set_window(self, window_s: float) -> None:
        self.prepareGeometryChange()
        C = len(self._polys)
        self._rect = QRectF(-window_s, -LANE_HALF, window_s, C - 1 + 2 * LANE_HALF)

    def set_lanes(self, x: np.ndarray, lanes: np.ndarray) -> None:
        """``x`` (n,) seconds, ``lanes`` (n, C) in lane units; repainted at the next paint."""
        self._x, self._y = x, lanes
        n = len(x)
        for c, poly in enumerate(self._polys):
            if poly.size() != n:
                poly.resize(n)
            xy = pg.functions.ndarray_from_qpolygonf(poly)
            xy[:, 0] = x
            xy[:, 1] = lanes[:, c]
        self.update()

    def lane(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Lane ``c``'s (x, y) as last set."""
        return self._x, self._y[:, c]

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, p, *args) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for poly, pen in zip(self._polys, self.pens):
            if poly.size() > 1:
                p.setPen(pen)
                p.drawPolyline(poly)


class TracesView(pg.PlotWidget):
    """One lane per montage channel, top to bottom in montage order.

    ``method``: ``minmax`` (ours, default) or ``pyqtgraph`` (pyqtgraph's own
    peak downsampling and clip-to-view over the full window; the benchmark's peer).
    """

    def __init__(self, theme: Theme, *, method: str = "minmax", parent=None):
        if method not in METHODS:
            raise ConfigError(f"trace method must be one of {', '.join(METHODS)}, got {method!r}")
        super().__init__(parent=parent, background=theme.bg)
        self.method = method
        self.theme = theme
        self.curves: list = []          # the peer's PlotDataItems, one per lane
        self.lanes: LanesItem | None = None   # ours: every lane in one item
        self.labels: list[str] = []
        self.flags: list[tuple[str, ...]] = []
        self.trace: MinMaxTrace | None = None
        self.ring: RingBuffer | None = None
        self.fs = 1.0
        self.window_s = 10.0
        self.scale_uv = 0.0
        self.stale = ""                 # why and when the data stopped ("" while live)
        self.per_lane = False           # each lane its own scale (an MVC trial: one muscle at full effort)
        self.lane_scales_uv: np.ndarray | None = None
        self.unit_label = "raw"
        self._centre: np.ndarray | None = None
        self._last_rescale = 0.0
        self.newest_index = -1          # ring index of the newest sample set on the curves
        self.drawn_index = -1           # ... and of the newest one actually painted
        self.painted: list[Callable[[int], None]] = []   # called after each paint with drawn_index
        self.event_lines: list[tuple[float, pg.InfiniteLine]] = []
        self.ring_t: RingBuffer | None = None
        self._sides: list[Side] = []
        pi = self.getPlotItem()
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.setMouseEnabled(x=False, y=False)
        # no grid: the bottom axis draws it, and a grid over the curves makes every frame
        # repaint that axis (measured: ~3 ms of a 13 ms frame)
        for ax in ("left", "bottom"):
            pi.getAxis(ax).setStyle(tickFont=font(MEDIUM_PT))
        pi.getAxis("bottom").setLabel("seconds before now")
        # fixed label width: a quality flag appearing must not resize the plot (no jumps)
        pi.getAxis("left").setWidth(220)
        # the axes change a few times a minute but border the curves, which repaint every frame:
        # kept as pixmaps, they are copied, not redrawn (measured: 0.7 ms of a frame)
        for ax in ("left", "bottom"):
            pi.getAxis(ax).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAntialiasing(False)
        # the scene's background covers the viewport: Qt need not paint the splitters and the
        # window beneath it every frame
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.apply_theme(theme)

    # -- set-up ------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackground(theme.bg)
        pi = self.getPlotItem()
        for ax in ("left", "bottom"):
            a = pi.getAxis(ax)
            a.setPen(pg.mkPen(theme.grid))
            a.setTextPen(pg.mkPen(theme.fg))
        self._colour_curves()

    def _colour_curves(self) -> None:
        pens = [pg.mkPen(self.theme.muted if self.stale else
                         {Side.LEFT: self.theme.left, Side.RIGHT: self.theme.right}.get(side, self.theme.midline),
                         width=1) for side in self._sides]
        for c, pen in zip(self.curves, pens):
            c.setPen(pen)
        if self.lanes is not None:
            self.lanes.pens = pens
            self.lanes.update()

    def lane_pen(self, c: int) -> QPen:
        """The pen lane ``c`` is drawn with."""
        return self.curves[c].opts["pen"] if self.method == "pyqtgraph" else self.lanes.pens[c]

    def lane_data(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Lane ``c``'s (x, y) as drawn: seconds before the newest sample, lane units."""
        return self.curves[c].getData() if self.method == "pyqtgraph" else self.lanes.lane(c)

    def set_stale(self, text: str) -> None:
        """``text`` (e.g. "device lost at 10:42:07"): the data stopped; the curves turn grey and
        the time axis counts back from the last sample, not from now. "" : live again."""
        if text == self.stale:
            return
        self.stale = text
        self._colour_curves()
        self.getPlotItem().getAxis("bottom").setLabel(f"s before the last sample · {text}" if text else
                                                      "seconds before now")
        self._set_title()

    def set_source(self, ring: RingBuffer, ring_t: RingBuffer, fs: float, montage: Montage, window_s: float,
                   unit_label: str) -> None:
        """Draw ``ring`` ((n, C) µV at ``fs``; ``ring_t`` its session times) with ``montage``'s
        labels over ``window_s`` seconds."""
        pi = self.getPlotItem()
        for c in self.curves + ([self.lanes] if self.lanes is not None else []):
            pi.removeItem(c)
        for _, line in self.event_lines:
            pi.removeItem(line)
        self.event_lines = []
        self.stale = ""
        self.getPlotItem().getAxis("bottom").setLabel("seconds before now")
        self.ring_t = ring_t
        self.newest_index = self.drawn_index = -1   # a new source: nothing of it drawn yet
        self.ring, self.fs, self.window_s, self.unit_label = ring, fs, window_s, unit_label
        C = len(montage)
        self._sides = [ch.side for ch in montage.channels]
        self.labels = [ch.label for ch in montage.channels]   # the name when unassigned
        self.flags = [()] * C
        self.curves, self.lanes = [], None
        if self.method == "pyqtgraph":
            for _ in range(C):
                curve = pg.PlotDataItem(antialias=False, skipFiniteCheck=True)
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                pi.addItem(curve)
                self.curves.append(curve)
        else:
            self.lanes = LanesItem(C, window_s)
            pi.addItem(self.lanes, ignoreBounds=True)
        self._colour_curves()
        self._centre = None
        self.scale_uv = 0.0
        self.lane_scales_uv = None
        self._rebuild_trace()
        pi.setXRange(-window_s, 0, padding=0)
        pi.setYRange(-0.6, C - 0.4, padding=0)
        self._set_ticks()

    def add_event_line(self, onset_s: float, text: str, kind: str) -> None:
        """A vertical line at session time ``onset_s`` (a marker, a gap...), scrolling with the traces."""
        colour = {"marker": self.theme.fg, "gap": OKABE_ITO["vermillion"]}.get(kind, self.theme.muted)
        line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
                               label=text or None, labelOpts={"position": 0.98, "color": colour})
        self.getPlotItem().addItem(line, ignoreBounds=True)
        self.event_lines.append((onset_s, line))

    def _place_event_lines(self) -> None:
        """Keep event lines at their session time relative to the newest sample drawn."""
        if not self.event_lines or self.newest_index < self.ring_t.oldest:
            return
        t_new = float(self.ring_t.read_range(self.newest_index, self.newest_index + 1)[0])
        keep = []
        for onset, line in self.event_lines:
            if onset < t_new - self.window_s:
                self.getPlotItem().removeItem(line)
            else:
                line.setPos(onset - t_new)
                keep.append((onset, line))
        self.event_lines = keep

    def set_window(self, window_s: float) -> None:
        self.window_s = window_s
        if self.lanes is not None:
            self.lanes.set_window(window_s)
        self._rebuild_trace()
        self.getPlotItem().setXRange(-window_s, 0, padding=0)

    def set_flags(self, flags: list[tuple[str, ...]]) -> None:
        """Per-channel quality flags (emgmap.quality), shown on the lane labels."""
        if flags != self.flags:
            self.flags = list(flags)
            self._set_ticks()

    def _set_ticks(self) -> None:
        C = len(self.labels)
        scales = self.lane_scales_uv if self.per_lane and self.lane_scales_uv is not None else [None] * C
        ticks = [(C - 1 - i, (f"{lab} ⚠ {', '.join(FLAG_WORDS.get(x, x) for x in f)}" if f else lab)
                  + (f" ±{sc:g}" if sc is not None else ""))
                 for i, (lab, f, sc) in enumerate(zip(self.labels, self.flags, scales))]
        self.getPlotItem().getAxis("left").setTicks([ticks, []])
        self._set_title()

    def _set_title(self) -> None:
        scale = "own scale per lane" if self.per_lane else \
            f"lane ±{self.scale_uv:g} µV" if self.scale_uv else ""
        stale = " · STOPPED" if self.stale else ""   # when and why: on the time axis below
        self.getPlotItem().setTitle(f"{self.unit_label} · {scale}{stale}", color=self.theme.muted, size=f"{MEDIUM_PT}pt")

    def _rebuild_trace(self) -> None:
        if self.ring is None:
            return
        width = max(200, int(self.getPlotItem().getViewBox().width()))
        self.trace = MinMaxTrace(self.ring, self.fs, self.window_s, width)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        # pyqtgraph resizes once inside PlotWidget.__init__, before our attributes exist
        if getattr(self, "trace", None) is not None and abs(self.trace.points - self.getPlotItem().getViewBox().width()) > 50:
            self._rebuild_trace()

    # -- per frame ---------------------------------------------------------------
    def refresh(self) -> bool:
        """Pull new samples and update the curves; True when anything changed."""
        if self.ring is None:
            return False
        if self.method == "pyqtgraph":
            return self._update_pyqtgraph()
        if not self.trace.update():
            return False
        x, y = self.trace.arrays()
        self._draw(x, y)
        self.newest_index = self.trace.newest_index
        self._place_event_lines()
        return True

    def _update_pyqtgraph(self) -> bool:
        total = self.ring.total
        if total - 1 == self.newest_index:
            return False
        y = self.ring.latest(int(self.window_s * self.fs))
        x = (np.arange(y.shape[0]) - (y.shape[0] - 1)) / self.fs
        self._draw(x, y)
        self.newest_index = total - 1
        return True

    def set_per_lane(self, on: bool) -> None:
        """Scale each lane to its own signal (a one-muscle MVC trial, where a shared scale
        would clip the tested lane to a solid block and hide its plateau) or all lanes alike
        (default: amplitudes compare across muscles). Rescales at the next frame."""
        if on != self.per_lane:
            self.per_lane = on
            self.lane_scales_uv = None
            self._centre = None
            self._set_ticks()

    def _draw(self, x: np.ndarray, y: np.ndarray) -> None:
        C = y.shape[1]
        now = time.monotonic()
        if self._centre is None or now - self._last_rescale > 1.0:
            self._rescale(y)
            self._last_rescale = now
        gain = LANE_HALF / (self.lane_scales_uv if self.per_lane else self.scale_uv)
        lanes = np.clip((y - self._centre) * gain, -LANE_HALF, LANE_HALF) + (C - 1 - np.arange(C))
        if self.lanes is not None:
            self.lanes.set_lanes(x, lanes)
        for c, curve in enumerate(self.curves):
            curve.setData(x, lanes[:, c])

    def _rescale(self, y: np.ndarray) -> None:
        """Lane centres (per-channel median, removes DC offsets) and one common µV scale
        (the median over channels of each one's 99th-percentile excursion), so that
        amplitudes stay comparable across lanes and one railed channel does not squash the rest."""
        if y.shape[0] == 0:
            return
        self._centre = np.median(y, axis=0)
        excursion = np.percentile(np.abs(y - self._centre), 99, axis=0)
        if self.per_lane:
            old = self.lane_scales_uv if self.lane_scales_uv is not None else np.zeros(y.shape[1])
            new_lanes = np.array([nice_scale(max(float(a), 1.0), float(o)) for a, o in zip(excursion, old)])
            if self.lane_scales_uv is None or not np.array_equal(new_lanes, self.lane_scales_uv):
                self.lane_scales_uv = new_lanes
                self._set_ticks()
            return
        amp = float(np.median(excursion))
        new = nice_scale(max(amp, 1.0), self.scale_uv)
        if new != self.scale_uv:
            self.scale_uv = new
            self._set_title()

    def paintEvent(self, ev) -> None:
        super().paintEvent(ev)
        if self.newest_index >= 0:
            self.drawn_index = self.newest_index
            for fn in self.painted:
                fn(self.drawn_index)
