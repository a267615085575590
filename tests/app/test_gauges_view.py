"""The gauges' view model, without Qt: what is shown, and what is judged (issue 13 defects 1-4).

Each defect test below failed on the model before this one (emgmap/gui/model.py
IndicesModel, kept in git history): it zoned % peak and µV values, its 5 % at-rest
cut-off let resting noise make SI "imbalance", and it judged the resting leg.
"""
import math

import numpy as np
import pytest

from emgmap.app.gauges import GaugeKind, GaugesModel, NotJudged, Zone, activity_thresholds_uv
from emgmap.dsp.calibration import CalibrationSnapshot
from emgmap.dsp.indices import LabelledValue, LiveIndices, Ratio, Symmetry
from emgmap.montage import default_montage
from emgmap.protocols import Zones
from emgmap.types import Side


def live(t, sym=(), ratios=()):
    return LiveIndices(t=t, sample=int(t * 2000), activation={}, symmetry=tuple(sym), ratios=tuple(ratios))


def si(m, left, right, norm="mvc"):
    v = (right - left) / (0.5 * (right + left)) * 100
    return Symmetry(m, left, right, v, left / right, norm)


def calibration(rest=4.0, sd=1.0, mvc=80.0, n=8, floor=None, peak=150.0):
    """Every channel of the default montage with the same rest baseline, MVC and task peak (µV)."""
    full = np.full(n, float("nan"))
    return CalibrationSnapshot(
        tuple(default_montage().names), np.full(n, rest) if rest is not None else full,
        np.full(n, sd) if sd is not None else full, np.full(n, mvc) if mvc is not None else full,
        np.full(n, peak), (), np.full(n, floor) if floor is not None else None)


def by_key(model):
    return {g.key: g for g in model.gauges}


def test_gauges_follow_the_montage_and_the_protocol_muscles():
    m = default_montage()  # gmed, gmax, tfl, bf L/R; pairs gmed:tfl, gmax:bf
    keys = [g.key for g in GaugesModel(m).gauges]
    assert keys == ["si gmed", "si gmax", "si tfl", "si bf", "ratio gmed:tfl left", "ratio gmed:tfl right",
                    "ratio gmax:bf left", "ratio gmax:bf right"]
    keys = [g.key for g in GaugesModel(m, muscles=("gmed", "tfl")).gauges]
    assert keys[:2] == ["si gmed", "si tfl"] and "si gmax" not in keys
    g = GaugesModel(m).gauges[4]
    assert g.kind == GaugeKind.RATIO and g.side == Side.LEFT and g.title == "gmed:tfl L"
    assert g.reason == NotJudged.WAITING and not g.judged


def test_zones_values_and_labels_in_percent_mvc():
    m = default_montage()
    model = GaugesModel(m, Zones(), expected={"gmed:tfl": (1.0, 2.0)})
    seen = []
    model.subscribe(seen.append)
    views = model.update(live(1.0, [si("gmed", 30, 45), si("gmax", 20, 20), si("tfl", 20, 23)],
                              [Ratio("gmed:tfl", "left", 30, 40, 0.75, "mvc"),
                               Ratio("gmed:tfl", "right", 45, 20, 2.25, "mvc"),
                               Ratio("gmax:bf", "left", 20, 20, 1.0, "mvc")]), calibration())
    assert views == model.gauges
    g = by_key(model)
    assert g["si gmed"].value == pytest.approx(40.0) and g["si gmed"].zone == Zone.RED
    assert g["si tfl"].zone == Zone.AMBER and g["si gmax"].zone == Zone.GREEN  # SI 14 %: amber by default
    assert "L/R 0.67" in g["si gmed"].detail and "%MVC" in g["si gmed"].detail
    # expected 1-2 with the protocol's 20 % amber margin: 0.75 < 0.8 red, 2.25 <= 2.4 amber
    assert g["ratio gmed:tfl left"].zone == Zone.RED and g["ratio gmed:tfl right"].zone == Zone.AMBER
    # no expected range: shown, never zoned
    assert g["ratio gmax:bf left"].value == 1.0 and g["ratio gmax:bf left"].zone is None
    assert g["ratio gmax:bf left"].reason == NotJudged.NO_RANGE
    assert "expected 1-2" in g["ratio gmed:tfl left"].detail
    assert g["ratio gmed:tfl left"].spoken == "gmed:tfl left 0.75 %MVC, imbalance"
    assert g["si gmed"].spoken == "gmed left/right +40 % right dominant, imbalance"
    assert seen == [model]
    # a wider symmetric band (a protocol setting) turns 15 % green
    model2 = GaugesModel(m, Zones(symmetry_green=15.0))
    model2.update(live(1.0, [si("tfl", 20, 23)]), calibration())
    assert model2.gauges[2].zone == Zone.GREEN and model2.gauges[2].value == pytest.approx(3 / 21.5 * 100)


@pytest.mark.parametrize("norm, unit", [("peak", "% peak"), ("none", "µV")])
def test_defect1_uncalibrated_values_are_shown_muted_never_zoned(norm, unit):
    """Clamshell without MVC: a TFL-dominant-looking 0.26 % peak is shown with its unit and
    "calibrate MVC to judge", never "imbalance" (the old model said red)."""
    m = default_montage()
    model = GaugesModel(m, expected={"gmed:tfl": (1.0, 2.5)})
    scale = 1.0 if norm == "peak" else 0.5
    model.update(live(1.0, [si("gmed", 30 * scale, 60 * scale, norm)],
                      [Ratio("gmed:tfl", "left", 10 * scale, 38 * scale, 0.26, norm)]),
                 calibration(mvc=None))
    g = by_key(model)
    r = g["ratio gmed:tfl left"]
    assert r.zone is None and not r.judged and r.reason == NotJudged.NOT_MVC
    assert r.value == pytest.approx(0.26) and r.unit == unit and r.status_text == "calibrate MVC to judge"
    assert r.spoken == f"gmed:tfl left 0.26 {unit}, not judged: calibrate MVC to judge"
    s = g["si gmed"]
    assert s.zone is None and s.reason == NotJudged.NOT_MVC and s.value == pytest.approx(200 / 3)
    assert not any(v.judged for v in model.gauges)


def test_defect2_a_ratio_of_percent_peak_after_one_mvc_is_not_judged():
    """After the first gmed MVC, gmed has %MVC but tfl only % peak: the session computes the
    pair in the unit both share (% peak, against a gmed peak that was the MVC trial), so
    0.06 is shown as a % peak ratio and not judged (the old model zoned it red)."""
    model = GaugesModel(default_montage(), expected={"gmed:tfl": (1.0, 2.5)})
    model.update(live(1.0, ratios=[Ratio("gmed:tfl", "left", 1.6, 27.0, 0.06, "peak")]), calibration(mvc=None))
    r = by_key(model)["ratio gmed:tfl left"]
    assert r.zone is None and r.unit == "% peak" and r.reason == NotJudged.NOT_MVC
    assert "gmed 2 : tfl 27 % peak" in r.detail


def test_defect3_symmetry_below_the_activity_threshold_is_at_rest_with_a_gap():
    """Between reps both sides sit just above 5 %MVC; with a 4 ± 1 µV rest and an 80 µV MVC
    the activity threshold is 2 x 4 µV = 10 %MVC, so SI +40 % there is "at rest", neutral,
    and the trend has a gap (the old model: "imbalance", a square-wave trend)."""
    m = default_montage()
    cal = calibration(rest=4.0, sd=1.0, mvc=80.0)
    assert activity_thresholds_uv(cal) == pytest.approx(np.full(8, 8.0))
    model = GaugesModel(m)
    seq = [(0.25, 40, 44), (0.5, 6.0, 9.0), (0.75, 6.5, 9.5), (1.0, 41, 45), (1.25, 5.8, 8.9)]
    zones = []
    for t, left, right in seq:
        model.update(live(t, [si("gmed", left, right)]), cal)
        zones.append(by_key(model)["si gmed"].zone)
    assert zones == [Zone.GREEN, None, None, Zone.GREEN, None]
    g = by_key(model)["si gmed"]
    assert g.reason == NotJudged.AT_REST and math.isnan(g.value) and g.status_text == "at rest"
    assert "L 6  R 9 %MVC" in g.detail
    finite = [math.isfinite(v) for v in g.trend_v]
    assert finite == [True, False, False, True, False]   # gaps, not a square wave
    # one side working is not rest: a real asymmetry is judged
    model.update(live(1.5, [si("gmed", 4.0, 30.0)]), cal)
    assert by_key(model)["si gmed"].zone == Zone.RED


def test_activity_threshold_uses_the_quiet_level_without_a_rest_baseline():
    cal = calibration(rest=None, sd=None, mvc=None, floor=5.0)
    assert activity_thresholds_uv(cal) == pytest.approx(np.full(8, 10.0))
    cal = calibration(rest=2.0, sd=4.0, mvc=400.0)   # a noisy rest: mean + 3 SD wins; 5 %MVC = 20 µV wins over it
    assert activity_thresholds_uv(cal) == pytest.approx(np.full(8, 20.0))
    assert activity_thresholds_uv(calibration(rest=None, sd=None, mvc=None)) is None
    # nothing known: the per-unit fallback (10 µV)
    model = GaugesModel(default_montage())
    model.update(live(1.0, [si("gmed", 3.0, 4.0, "none")]))
    assert by_key(model)["si gmed"].reason == NotJudged.AT_REST and "µV" in by_key(model)["si gmed"].detail


def test_defect4_only_the_working_side_is_judged_in_a_unilateral_set():
    model = GaugesModel(default_montage(), expected={"gmed:tfl": (1.0, 2.5)})
    ratios = [Ratio("gmed:tfl", "left", 40, 20, 2.0, "mvc"), Ratio("gmed:tfl", "right", 8, 12, 0.67, "mvc")]
    model.update(live(1.0, ratios=ratios), calibration(), working_side=Side.LEFT)
    g = by_key(model)
    assert g["ratio gmed:tfl left"].zone == Zone.GREEN
    right = g["ratio gmed:tfl right"]
    assert right.zone is None and right.reason == NotJudged.RESTING_LEG and right.value == pytest.approx(0.67)
    assert math.isnan(right.trend_v[-1])   # not in the trend either
    model.update(live(1.25, ratios=ratios), calibration())   # between sets: both sides judged
    assert by_key(model)["ratio gmed:tfl right"].zone == Zone.RED


def test_rest_gives_no_index_and_the_trend_keeps_30_s():
    m = default_montage()
    model = GaugesModel(m, trend_s=30.0)
    for k in range(161):
        t = k * 0.25
        model.update(live(t, [si("gmed", 3.0, 4.0, "none")]))  # µV, below the 10 µV floor
    g = model.gauges[0]
    assert math.isnan(g.value) and g.zone is None and "at rest" in g.detail and "µV" in g.detail
    assert g.trend_t[-1] - g.trend_t[0] == 30.0 and len(g.trend_t) == 121


def test_views_are_immutable():
    g = GaugesModel(default_montage()).gauges[0]
    with pytest.raises(AttributeError):
        g.value = 1.0


def test_activation_units():
    assert LabelledValue(5.0, "mvc").unit == "%MVC"
