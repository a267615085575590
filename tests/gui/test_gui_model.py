import math

import pytest

from emgmap.dsp.indices import LabelledValue, LiveIndices, Ratio, Symmetry
from emgmap.gui.model import IndicesModel
from emgmap.montage import default_montage
from emgmap.protocols import Zones


def live(t, sym=(), ratios=()):
    return LiveIndices(t=t, sample=int(t * 2000), activation={}, symmetry=tuple(sym), ratios=tuple(ratios))


def si(m, left, right, norm="mvc"):
    v = (right - left) / (0.5 * (right + left)) * 100
    return Symmetry(m, left, right, v, left / right, norm)


def test_gauges_follow_the_montage_and_the_protocol_muscles():
    m = default_montage()  # gmed, gmax, tfl, bf L/R; pairs gmed:tfl, gmax:bf
    keys = [g.key for g in IndicesModel(m).gauges]
    assert keys == ["si gmed", "si gmax", "si tfl", "si bf", "ratio gmed:tfl left", "ratio gmed:tfl right",
                    "ratio gmax:bf left", "ratio gmax:bf right"]
    keys = [g.key for g in IndicesModel(m, muscles=("gmed", "tfl")).gauges]
    assert keys[:2] == ["si gmed", "si tfl"] and "si gmax" not in keys


def test_zones_values_and_labels():
    m = default_montage()
    model = IndicesModel(m, Zones(), expected={"gmed:tfl": (1.0, 2.0)})
    seen = []
    model.subscribe(seen.append)
    model.update(live(1.0, [si("gmed", 30, 45), si("gmax", 20, 20), si("tfl", 20, 23)],
                      [Ratio("gmed:tfl", "left", 30, 40, 0.75, "mvc"), Ratio("gmed:tfl", "right", 45, 20, 2.25, "mvc"),
                       Ratio("gmax:bf", "left", 20, 20, 1.0, "mvc")]))
    g = {x.key: x for x in model.gauges}
    assert g["si gmed"].value == pytest.approx(40.0) and g["si gmed"].zone == "red"
    assert g["si tfl"].zone == "amber" and g["si gmax"].zone == "green"  # SI 14 %: amber by default
    assert "L/R 0.67" in g["si gmed"].detail and "%MVC" in g["si gmed"].detail
    # expected 1-2 with the protocol's 20 % amber margin: 0.75 < 0.8 red, 2.25 <= 2.4 amber
    assert g["ratio gmed:tfl left"].zone == "red" and g["ratio gmed:tfl right"].zone == "amber"
    assert g["ratio gmax:bf left"].value == 1.0 and g["ratio gmax:bf left"].zone == "none"  # no expected range
    assert "expected 1-2" in g["ratio gmed:tfl left"].detail
    assert seen == [model]
    # a wider symmetric band (a protocol setting) turns 15 % green
    model2 = IndicesModel(m, Zones(symmetry_green=15.0))
    model2.update(live(1.0, [si("tfl", 20, 23)]))
    assert model2.gauges[2].zone == "green" and model2.gauges[2].value == pytest.approx(3 / 21.5 * 100)


def test_rest_gives_no_index_and_the_trend_keeps_30_s():
    m = default_montage()
    model = IndicesModel(m, trend_s=30.0)
    for k in range(161):
        t = k * 0.25
        model.update(live(t, [si("gmed", 3.0, 4.0, "none")]))  # µV, below the 10 µV floor
    g = model.gauges[0]
    assert math.isnan(g.value) and g.zone == "none" and "at rest" in g.detail and "µV" in g.detail
    assert g.trend_t[-1] - g.trend_t[0] == 30.0 and len(g.trend_t) == 121


def test_activation_units():
    assert LabelledValue(5.0, "mvc").unit == "%MVC"
