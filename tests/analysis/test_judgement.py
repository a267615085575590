"""One judgement rule offline (analysis/judgement.py): zones only for %MVC values and for
an index with a side above the activity threshold; the terminal summary follows it."""
import pytest

from emgmap.analysis import analyze_recording
from emgmap.analysis.judgement import ACTIVE_MVC_PCT, ratio_zone, symmetry_zone
from emgmap.analysis.summary import summary_lines
from emgmap.protocols import Zones



def test_symmetry_is_judged_only_in_mvc_and_above_the_activity_threshold():
    z = Zones()
    assert symmetry_zone(-66.7, 3.0, 1.5, "%MVC", z) is None          # noise over noise: at rest
    assert symmetry_zone(-66.7, 30.0, 15.0, "%MVC", z) == "red"
    assert symmetry_zone(-66.7, 30.0, 15.0, "% peak", z) is None      # not comparable across sides
    assert symmetry_zone(float("nan"), 30.0, 15.0, "%MVC", z) is None
    assert symmetry_zone(4.0, ACTIVE_MVC_PCT, 1.0, "%MVC", z) == "green"   # one side active is enough


def test_ratio_is_judged_only_in_mvc_against_a_range():
    z = Zones()
    assert ratio_zone(0.9, "%MVC", (1.9, 4.0), z) == "red"
    assert ratio_zone(0.9, "% peak", (1.9, 4.0), z) is None
    assert ratio_zone(0.9, "µV", (1.9, 4.0), z) is None
    assert ratio_zone(0.9, "%MVC", None, z) is None


@pytest.fixture
def tfl_dominant(tfl_dominant_clamshell):
    return tfl_dominant_clamshell


def test_the_terminal_summary_never_zones_percent_of_peak(tfl_dominant):
    peak = summary_lines(analyze_recording(tfl_dominant, normalize="peak"))
    assert "shown, not judged" in peak[0] and not [ln for ln in peak if "[" in ln]
    mvc = summary_lines(analyze_recording(tfl_dominant, normalize="mvc"))
    assert [ln for ln in mvc if "gmed:tfl" in ln and ln.endswith("[red]")]   # TFL outruns gmed: judged
