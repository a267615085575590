"""Stacked live traces: every channel in one plot, decimated by
:class:`~emgmap.gui.decimate.MinMaxTrace` to the plot's pixel width and drawn as
one image of min/max pixel columns (:class:`LanesItem`: each column rendered once,
each frame a copy), no antialiasing (reference/boards-and-libraries.md: one
PlotItem is the fast layout; pyqtgraph's peak downsampling is slower, and stays
as the benchmark's peer).
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QImage, QPen
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
CENTRE_STILL = 0.01       # a lane centre moving less than this (of a lane, ~0.5 px) stays where it is


def lane_values(y: np.ndarray, centre: np.ndarray, gain) -> np.ndarray:
    """``y`` (n, C) µV in lane units: each channel about its ``centre``, times ``gain`` (one, or
    one per lane), clipped to ±:data:`LANE_HALF` and moved to its lane (the first channel on top)."""
    C = y.shape[1]
    return np.clip((y - centre) * gain, -LANE_HALF, LANE_HALF) + (C - 1 - np.arange(C))


class LanesItem(pg.GraphicsObject):
    """Every lane of a :class:`~emgmap.gui.decimate.MinMaxTrace` in one item, drawn as an image
    of the screen's pixel columns. Column ``P`` (absolute: it starts ``P`` pixels of time after
    sample 0) shows the bucket its start falls in: in each lane it is lit from the bucket's
    minimum to its maximum and to the previous bucket's maximum (the trace stays connected, as
    a polyline through those points is). A bucket is at least a pixel wide, so every bucket has
    a column. A column is rendered once its bucket is complete (the open bucket's every frame),
    the whole image again only when the lane scale, the colours, the size or the decimation
    change; each frame copies the image, unscaled, at the newest sample's pixel. Drawing 16
    polylines of two points per pixel column instead took ~3 ms of a frame at 1920x1080
    (QPainter's per-segment work)."""

    def __init__(self, n_lanes: int, window_s: float):
        super().__init__()
        self.C = n_lanes
        self.pens: list[QPen] = [QPen()] * n_lanes
        self.background = QColor("black")
        self.trace: MinMaxTrace | None = None
        self.centre: np.ndarray | None = None
        self.gain: np.ndarray | float = 1.0
        self._geometry: tuple | None = None   # what the image was rendered for
        self._final: int | None = None        # columns below this one are final (bucket complete); None: none yet
        self.set_window(window_s)

    def set_window(self, window_s: float) -> None:
        self.prepareGeometryChange()
        self.window_s = window_s
        self._rect = QRectF(-window_s, -0.5, window_s, self.C)

    def set_trace(self, trace: MinMaxTrace) -> None:
        self.trace = trace
        self.invalidate()

    def set_scale(self, centre: np.ndarray, gain) -> None:
        """Lane centres (µV) and gain (lane units per µV); the image is rendered again when they changed."""
        if self.centre is not None and np.array_equal(centre, self.centre) and np.array_equal(gain, self.gain):
            return
        self.centre, self.gain = centre, gain
        self.invalidate()

    def set_pens(self, pens: list[QPen], background: QColor) -> None:
        self.pens, self.background = pens, QColor(background)
        self.invalidate()

    def invalidate(self) -> None:
        """Render the whole image again at the next paint."""
        self._geometry = None
        self.update()

    def lane(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Lane ``c``'s points: seconds before the newest sample, lane units (a bucket's minimum
        and maximum at the bucket's start)."""
        x, y = self.trace.arrays()
        return x, lane_values(y, self.centre, self.gain)[:, c]

    def boundingRect(self) -> QRectF:
        return self._rect

    def _setup(self, geometry: tuple, top: int, H: int, width: int, sy: float, dy: float) -> None:
        """An image of ``H`` device rows from row ``top`` (the lanes), a ring of ``width``
        columns, all background; each row belongs to the lane whose centre is nearest."""
        self._img = np.empty((H, width), dtype=np.uint32)
        self._img[:] = self.background.rgba()
        self._qimg = pg.functions.ndarray_to_qimage(self._img, QImage.Format.Format_RGB32)
        y = (top + np.arange(H) + 0.5 - dy) / sy
        self._row_lane = self.C - 1 - np.clip(np.round(y), 0, self.C - 1).astype(np.int64)
        self._rows = np.arange(H, dtype=np.int16)[:, None]
        self._row_colour = np.array([pen.color().rgba() for pen in self.pens], dtype=np.uint32)[self._row_lane, None]
        self._top, self._sy, self._dy = top, sy, dy
        self._geometry = geometry
        self._final = None

    def _render(self, P0: int, P1: int, spp: float, opened: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Columns ``P0`` .. ``P1 - 1``, ``spp`` samples a pixel; ``opened`` the open bucket's (min, max)."""
        tr = self.trace
        P = np.arange(P0, P1)
        b = np.floor(P * spp / tr.k).astype(np.int64)
        b_prev = np.floor((P - 1) * spp / tr.k).astype(np.int64)
        first, nxt = tr.first_bucket, tr.next_bucket
        last = nxt if opened is not None else nxt - 1
        held = (b >= first) & (b <= last)
        if not held.any():
            self._img[:, P % self._img.shape[1]] = self.background.rgba()
            return
        want = np.arange(max(first, int(b[held].min()) - 1), int(b[held].max()) + 1)   # with each one's predecessor
        complete = want[want < nxt]
        lo, hi = tr.buckets(int(complete[0]), int(complete[-1]) + 1) if complete.size else \
            (np.zeros((0, self.C)), np.zeros((0, self.C)))
        if opened is not None and want[-1] == nxt:
            lo, hi = np.vstack((lo, opened[0][None])), np.vstack((hi, opened[1][None]))
        i = np.clip(b - want[0], 0, len(want) - 1)
        # the previous bucket's max joins this column to the last one (not when the previous
        # column shows the same bucket, nor for the oldest bucket held)
        j = np.where((b_prev < b) & (b - 1 >= want[0]), i - 1, i)
        top_v = lane_values(np.maximum(hi[i], hi[j]), self.centre, self.gain)
        bot_v = lane_values(np.minimum(lo[i], hi[j]), self.centre, self.gain)
        # device rows (int16: a screen is under 32768 rows; half the memory traffic of int32)
        r_top = (np.floor(self._sy * top_v + self._dy) - self._top).astype(np.int16)   # sy < 0: up is a lower row
        r_bot = (np.floor(self._sy * bot_v + self._dy) - self._top).astype(np.int16)
        # each row against its own lane's span in every column
        lit = (self._rows >= r_top.T[self._row_lane]) & (self._rows <= r_bot.T[self._row_lane]) & held
        pixels = np.where(lit, self._row_colour, np.uint32(self.background.rgba()))
        N = self._img.shape[1]
        at = 0
        while at < len(P):   # the columns are a ring: one or two runs
            pos = (P0 + at) % N
            run = min(len(P) - at, N - pos)
            self._img[:, pos:pos + run] = pixels[:, at:at + run]
            at += run

    def paint(self, p, *args) -> None:
        tr = self.trace
        if tr is None or self.centre is None or tr.newest_index < 0:
            return
        t = p.transform()
        sx, dx, sy, dy = t.m11(), t.dx(), t.m22(), t.dy()
        if sx <= 0 or sy >= 0:   # a collapsed plot (a splitter closed on it): nothing to draw
            return
        top = math.floor(sy * (self.C - 0.5) + dy)
        H = max(1, math.ceil(sy * -0.5 + dy) - top)
        spp = tr.fs / sx                                   # samples a pixel column
        width = math.ceil(self.window_s * sx + tr.k / spp) + 4
        geometry = (id(tr), tr.restarts, H, width, round(sx, 6), round(sy, 6), round(dy - top, 6))
        if geometry != self._geometry:
            self._setup(geometry, top, H, width, sy, dy)
        # the columns in the window, from the one at -window_s to the open bucket's last
        newest = tr.newest_index
        P_lo = math.floor((newest - self.window_s * tr.fs) / spp)
        opened = tr.open_bucket()
        last = tr.next_bucket + (0 if opened is None else 1)
        P_hi = math.ceil(last * tr.k / spp)
        start = P_lo if self._final is None else max(P_lo, self._final)
        if P_hi > start:
            self._render(start, P_hi, spp, opened)
        self._final = math.ceil(tr.next_bucket * tr.k / spp)   # from here on the open bucket's columns
        # absolute column P sits at device x = P - newest / spp + dx (whole pixels: a copy)
        shift = round(dx - newest / spp)
        N = self._img.shape[1]
        p.save()
        p.resetTransform()
        P = P_lo
        while P < P_hi:
            pos = P % N
            run = min(P_hi - P, N - pos)
            p.drawImage(QPointF(P + shift, top), self._qimg, QRectF(pos, 0, run, H))
            P += run
        p.restore()


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
            self.lanes.set_pens(pens, QColor(self.theme.bg))

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
        stale = "STOPPED" if self.stale else ""   # when and why: on the time axis below
        title = " · ".join(part for part in (self.unit_label, scale, stale) if part)
        self.getPlotItem().setTitle(title, color=self.theme.muted, size=f"{MEDIUM_PT}pt")

    def _rebuild_trace(self) -> None:
        if self.ring is None:
            return
        width = max(200, int(self.getPlotItem().getViewBox().width()))
        self.trace = MinMaxTrace(self.ring, self.fs, self.window_s, width)
        if self.lanes is not None:
            self.lanes.set_trace(self.trace)

    def _fit_trace(self) -> None:
        """Decimate to the plot's width again when it grew by over 50 px, or shrank at all: a
        bucket must stay at least a pixel wide, or the image would skip some (and their peaks)."""
        width = self.getPlotItem().getViewBox().width()
        if self.trace is not None and (self.trace.points > max(200, width) or width - self.trace.points > 50):
            self._rebuild_trace()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        # pyqtgraph resizes once inside PlotWidget.__init__, before our attributes exist
        if getattr(self, "trace", None) is not None:
            self._fit_trace()

    # -- per frame ---------------------------------------------------------------
    def refresh(self) -> bool:
        """Pull new samples and update the curves; True when anything changed."""
        if self.ring is None:
            return False
        if self.method == "pyqtgraph":
            return self._update_pyqtgraph()
        self._fit_trace()   # (the plot's layout settles after the resize event)
        if not self.trace.update():
            return False
        if self._rescale_due():
            self.rescale()
        self.lanes.update()
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

    def _rescale_due(self) -> bool:
        return self._centre is None or time.monotonic() - self._last_rescale > 1.0

    def rescale(self) -> None:
        """Lane centres and scale from the window on screen now (the frames do it once a second)."""
        self._rescale(self.trace.arrays()[1])
        if self._centre is not None and self.lanes is not None:
            self.lanes.set_scale(self._centre, self._gain())

    def _gain(self):
        return LANE_HALF / (self.lane_scales_uv if self.per_lane else self.scale_uv)

    def _draw(self, x: np.ndarray, y: np.ndarray) -> None:
        """The peer (``pyqtgraph``): every sample of the window, to its curves."""
        if self._rescale_due():
            self._rescale(y)
        lanes = lane_values(y, self._centre, self._gain())
        for c, curve in enumerate(self.curves):
            curve.setData(x, lanes[:, c])

    def _rescale(self, y: np.ndarray) -> None:
        """Lane centres (per-channel median, removes DC offsets) and one common µV scale
        (the median over channels of each one's 99th-percentile excursion), so that
        amplitudes stay comparable across lanes and one railed channel does not squash the rest."""
        if y.shape[0] == 0:
            return
        self._last_rescale = time.monotonic()
        centre = np.median(y, axis=0)
        excursion = np.percentile(np.abs(y - centre), 99, axis=0)
        self._keep_still(centre)
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

    def _keep_still(self, centre: np.ndarray) -> None:
        """Take the new lane centres, except where a lane would move by less than
        :data:`CENTRE_STILL` of its height: a trace that jumps by a fraction of a pixel every
        second shows nothing new, and the whole picture would be drawn again for it."""
        scale = self.lane_scales_uv if self.per_lane else self.scale_uv
        if self._centre is None or self._centre.shape != centre.shape or scale is None or not np.all(scale):
            self._centre = centre   # the first centres, or no scale yet to judge a move by
            return
        moved = np.abs((centre - self._centre) * (LANE_HALF / scale)) >= CENTRE_STILL
        self._centre = np.where(moved, centre, self._centre)

    def paintEvent(self, ev) -> None:
        super().paintEvent(ev)
        if self.newest_index >= 0:
            self.drawn_index = self.newest_index
            for fn in self.painted:
                fn(self.drawn_index)
