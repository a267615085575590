"""Two sessions compared, coloured by zone change (issue 13 defect 7), without Qt.

The old compare page coloured every SI change by |after| < |before| (so +0.0 was
"worse", vermillion) and never coloured a ratio (a real improvement, gmed:tfl 0.85 ->
3.46 into the clamshell's 1.9-4.0 range, stayed neutral)."""
from emgmap.app.compare import Change, compare_table, zone_change
from emgmap.app.gauges import Zone
from emgmap.montage import default_montage
from emgmap.analysis.sets import Analysis, SetResult


def analysis(gmed_tfl_left, si_gmax, norm="mvc", gmax_level=40.0):
    sets = [SetResult("clamshell left", "clamshell", "left", None, [], "cues", {},
                      [{"name": "gmed:tfl", "side": "left", "value": gmed_tfl_left}], [])]
    exercises = [{"exercise": "clamshell", "symmetry": [{"muscle": "gmax", "si_percent": si_gmax,
                                                         "left": gmax_level, "right": gmax_level}]}]
    return Analysis("x.h5", 2000.0, norm, "%MVC" if norm == "mvc" else "µV", default_montage(), sets, exercises, [])


def test_zone_change():
    assert zone_change(Zone.RED, Zone.GREEN) == Change.BETTER
    assert zone_change(Zone.GREEN, Zone.AMBER) == Change.WORSE
    assert zone_change(Zone.AMBER, Zone.AMBER) == Change.SAME
    assert zone_change(None, Zone.GREEN) == Change.NOT_JUDGED


def test_changes_are_named_by_their_zones():
    rows = {r.index: r for r in compare_table(analysis(0.85, 5.0), analysis(3.46, 5.0))}
    ratio = rows["gmed:tfl left"]
    assert ratio.before_zone == Zone.RED and ratio.after_zone == Zone.GREEN and ratio.change == Change.BETTER
    assert ratio.note == "expected 1.9-4"
    si = rows["SI gmax"]
    assert si.delta == 0.0 and si.change == Change.SAME and si.before_zone == Zone.GREEN
    rows = {r.index: r for r in compare_table(analysis(3.0, 4.0), analysis(1.0, 25.0))}
    assert rows["gmed:tfl left"].change == Change.WORSE and rows["SI gmax"].change == Change.WORSE


def test_sessions_without_mvc_are_not_judged():
    rows = compare_table(analysis(0.85, 5.0, norm="peak"), analysis(3.46, 30.0))
    assert all(r.change == Change.NOT_JUDGED and r.before_zone is None for r in rows)
    assert "calibrate MVC" in rows[0].note


def test_a_symmetry_index_at_rest_is_not_judged():
    """A muscle the exercise does not work (both sides ~3 %MVC) was "watch"/"worse" on noise."""
    rows = {r.index: r for r in compare_table(analysis(0.85, 1.0, gmax_level=3.0), analysis(3.46, -11.0, gmax_level=3.0))}
    si = rows["SI gmax"]
    assert si.change == Change.NOT_JUDGED and si.after_zone is None and "at rest" in si.note
