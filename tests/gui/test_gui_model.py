import math

import numpy as np
import pytest

from emgmap.gui.model import IndicesModel, symmetry_index
from emgmap.montage import default_montage
from emgmap.protocols import Zones


def test_symmetry_index_matches_reference_formula():
    # reference/semg.md §3: SI = (R - L) / (0.5 (R + L)) * 100, positive = right dominant
    assert symmetry_index(40.0, 60.0) == pytest.approx(40.0)
    assert symmetry_index(60.0, 40.0) == pytest.approx(-40.0)
    assert symmetry_index(50.0, 50.0) == 0.0
    assert math.isnan(symmetry_index(0.0, 0.0))


def levels_for(montage, values):
    return np.array([values[(c.muscle, c.side.value)] for c in montage.channels])


def test_gauges_from_levels():
    m = default_montage()  # gmed, gmax, tfl, bf L/R; pairs gmed:tfl, gmax:bf
    model = IndicesModel(m, Zones(), expected={"gmed:tfl": (1.0, 2.0)})
    keys = [g.key for g in model.gauges]
    assert keys[:4] == ["si gmed", "si gmax", "si tfl", "si bf"]
    assert "ratio gmed:tfl left" in keys and "ratio gmax:bf right" in keys
    seen = []
    model.subscribe(lambda mod: seen.append(mod))
    v = {(mu, s): 20.0 for mu in ("gmed", "gmax", "tfl", "bf") for s in ("left", "right")}
    v[("gmed", "left")], v[("gmed", "right")] = 30.0, 45.0
    v[("tfl", "left")] = 40.0
    model.update(1.0, levels_for(m, v), "%MVC")
    g = {x.key: x for x in model.gauges}
    assert g["si gmed"].value == pytest.approx(40.0) and g["si gmed"].zone == "red"
    assert g["si gmax"].value == 0.0 and g["si gmax"].zone == "green"
    # expected range 1-2 with the default 20 % amber margin (protocols.Zones)
    assert g["ratio gmed:tfl left"].value == pytest.approx(0.75) and g["ratio gmed:tfl left"].zone == "red"
    assert g["ratio gmed:tfl right"].value == pytest.approx(45 / 20) and g["ratio gmed:tfl right"].zone == "amber"
    assert g["ratio gmax:bf left"].value == 1.0 and g["ratio gmax:bf left"].zone == "none"  # no expected range
    assert "L/R 0.67" in g["si gmed"].detail
    assert seen == [model]


def test_rest_gives_no_index_and_trend_keeps_30_s():
    m = default_montage()
    model = IndicesModel(m, trend_s=30.0)
    for t in np.arange(0, 40, 0.25):
        model.update(float(t), np.full(len(m), 2.0), "%MVC")  # below the 5 %MVC floor
    g = model.gauges[0]
    assert math.isnan(g.value) and g.zone == "none" and "rest" in g.detail
    assert g.trend_t[-1] - g.trend_t[0] <= 30.0 and len(g.trend_t) == 121
