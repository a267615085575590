"""The wizard's summary rows, without Qt (issue 13 defect 7): zones only for %MVC values,
each ratio with its side."""
from emgmap.app.gauges import GaugeKind, NotJudged, Zone
from emgmap.app.summary_view import summary_view
from emgmap.montage import default_montage
from emgmap.protocols import load_protocol
from emgmap.analysis.sets import Analysis, SetResult


def analysis(norm="mvc"):
    p = load_protocol("bridge")
    sets = [SetResult("bridge", "bridge", None, p, [], "cues", {},
                      [{"name": "gmax:bf", "side": "left", "value": 0.20},
                       {"name": "gmax:bf", "side": "right", "value": 0.9}], [])]
    exercises = [{"exercise": "bridge", "symmetry": [
        {"muscle": "gmax", "left": 40.0, "right": 52.0, "si_percent": 26.1, "lr_ratio": 0.77}]}]
    return Analysis("x.h5", 2000.0, norm, {"mvc": "%MVC", "peak": "% peak"}[norm], default_montage(), sets,
                    exercises, ["a note"])


def test_rows_name_the_side_and_carry_zones():
    v = summary_view(analysis())
    assert v.judged and v.notes == ("a note",) and v.sets[0].label == "bridge"
    rows = {r.index: r for r in v.rows}
    assert set(rows) == {"gmax:bf left", "gmax:bf right", "SI gmax"}   # the side is in the name
    assert rows["gmax:bf left"].zone == Zone.RED and rows["gmax:bf left"].detail == "expected 0.5-1.3"
    assert rows["gmax:bf right"].zone == Zone.GREEN
    si = rows["SI gmax"]
    assert si.kind == GaugeKind.SYMMETRY and si.zone == Zone.RED and si.value_text == "+26.1 %"
    assert "L/R 0.77" in si.detail


def test_percent_peak_sessions_are_not_judged():
    v = summary_view(analysis("peak"))
    assert not v.judged and "not judged" in v.normalisation
    assert all(r.zone is None and r.reason == NotJudged.NOT_MVC for r in v.rows)
