"""The levels' view model, without Qt (issue 13 defect 2 and the body map at rest of 15).

Before, emgmap/gui/window.py `_update_levels` divided µV channels by an autoscaled µV
full scale and the others by 100, and handed both to one colour map and one set of
bars; its µV scale followed resting noise (a 4-8 µV rest on a 10 µV scale: 40-80 %,
green and yellow on viridis). These tests fail on that logic.
"""
import math

import numpy as np
import pytest

from emgmap.app.levels import LevelsModel, nice_scale
from emgmap.dsp.calibration import CalibrationSnapshot
from emgmap.dsp.indices import LabelledValue, LiveIndices
from emgmap.montage import default_montage
from emgmap.types import Side

M = default_montage()


def live(t, values, norms="none"):
    norms = norms if isinstance(norms, (list, tuple)) else [norms] * len(M)
    act = {c.name: LabelledValue(float(v), n) for c, v, n in zip(M.channels, values, norms)}
    return LiveIndices(t, int(t * 2000), act, (), ())


def quiet(floor):
    n = len(M)
    nan = np.full(n, np.nan)
    return CalibrationSnapshot(M.names, nan, nan, nan, nan, (), np.full(n, float(floor)))


def test_one_unit_everywhere_is_one_scale():
    model = LevelsModel(M)
    v = model.update(live(0.0, [40, 50, 10, 10, 20, 20, 5, 5], "mvc"))
    assert v.unit == "%MVC" and v.full_scale == 100.0 and not v.mixed
    assert v.legend == "100 %MVC" and v.header == "full bar = 100 %MVC" and v.norm_text == "levels: %MVC"
    gl = v.level("gmed", Side.LEFT)
    assert gl.value == 40 and gl.unit == "%MVC" and gl.fraction == pytest.approx(0.4) and gl.on_scale
    assert "gmed left 40 %MVC" in v.spoken


def test_defect2_mixed_units_never_share_one_scale():
    """gmed calibrated, the others in µV: the shared scale is %MVC and every µV channel is
    off it (hatched on the map, muted on the bars), its number keeping its own unit."""
    model = LevelsModel(M)
    norms = ["mvc", "mvc"] + ["none"] * 6
    v = model.update(live(0.0, [40, 60, 30, 30, 30, 30, 30, 30], norms), quiet(4.0))
    assert v.unit == "%MVC" and v.mixed
    on = [lv for lv in v.levels if lv.on_scale]
    assert {lv.unit for lv in on} == {"%MVC"} and {lv.muscle for lv in on} == {"gmed"}
    tfl = v.level("tfl", Side.RIGHT)
    assert tfl.unit == "µV" and not tfl.on_scale and tfl.value == 30
    assert v.header.startswith("per channel: %MVC, µV") and "hatched" in v.legend
    assert v.norm_text == "levels: %MVC where calibrated, else µV"
    # % peak beside µV: still two scales, the better one shared
    v = model.update(live(0.25, [40, 60, 30, 30, 30, 30, 30, 30], ["peak"] * 2 + ["none"] * 6), quiet(4.0))
    assert v.unit == "% peak" and not v.level("bf", Side.LEFT).on_scale


def test_resting_microvolts_are_not_painted_as_activity():
    """A 4-8 µV rest with a 6 µV quiet level: the µV full scale is at least 5 x 6 µV (50 µV
    on the 1-2-5 steps), so rest fills at most a sixth of the map's colour scale."""
    model = LevelsModel(M)
    rng = np.random.default_rng(0)
    for k in range(40):
        v = model.update(live(k * 0.05, rng.uniform(4, 8, len(M))), quiet(6.0))
    assert v.unit == "µV" and v.uv_full_scale == 50.0 and v.legend == "50 µV"
    assert max(lv.fraction for lv in v.levels) <= 0.16


def test_microvolt_scale_follows_the_last_10_s_and_ignores_one_spike():
    model = LevelsModel(M)
    for k in range(200):    # 10 s at 20 Hz of ~150 µV contractions
        v = model.update(live(k * 0.05, [150] * len(M)), quiet(5.0))
    assert v.uv_full_scale == 200.0
    v = model.update(live(10.0, [3000] + [150] * (len(M) - 1)), quiet(5.0))   # one artefact
    assert v.uv_full_scale == 200.0 and v.level("gmed", Side.LEFT).fraction == 1.0
    for k in range(1, 260):   # then 13 s at rest: the old peaks age out, the quiet floor holds it
        v = model.update(live(10.0 + k * 0.05, [5] * len(M)), quiet(5.0))
    assert v.uv_full_scale == 50.0


def test_missing_values_have_no_bar():
    v = LevelsModel(M).update(live(0.0, [float("nan")] + [10] * 7, "mvc"))
    gl = v.level("gmed", Side.LEFT)
    assert math.isnan(gl.fraction) and gl.text == "—"


def test_nice_scale_steps_and_keeps_a_fitting_scale():
    assert nice_scale(33.0, 0.0) == 50.0 and nice_scale(33.0, 50.0) == 50.0
    assert nice_scale(21.0, 50.0) == 50.0 and nice_scale(19.0, 50.0) == 20.0 and nice_scale(60.0, 50.0) == 100.0


def test_unassigned_channels_have_no_level():
    from emgmap.montage import Channel, Montage
    m = Montage(M.channels[:7] + (Channel.unassigned("EXG 8"),), M.pairs)
    act = {c.name: LabelledValue(10.0, "mvc") for c in m.channels}
    v = LevelsModel(m).update(LiveIndices(0.0, 0, act, (), ()))
    assert len(v.levels) == 7 and all(lv.muscle for lv in v.levels)
