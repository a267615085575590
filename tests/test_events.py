"""The one Event type: labels derived exactly as DESIGN §3 writes them, and stored rows
read back into the same structure."""
import pytest

from emgmap.events import Event, EventKind, GaitPhase
from emgmap.types import Side

ROWS = [
    (Event.rest(1.0, 10.0), ("rest", "rest", "")),
    (Event.mvc("gmed", "left", "gmed_L", 5.0, 5.0), ("mvc", "mvc gmed left", "gmed_L")),
    (Event.set("clamshell", Side.LEFT, 20.0, 60.0), ("set", "clamshell left", "")),
    (Event.set("bridge", None, 20.0, 60.0), ("set", "bridge", "")),
    (Event.repetition("clamshell", "right", 3, 30.0, 5.0), ("rep", "clamshell right rep 3", "")),
    (Event.repetition("single_leg_squat", None, 10, 30.0, 5.0), ("rep", "single_leg_squat rep 10", "")),
    (Event.cue("hold", 31.5, 2.0), ("cue", "hold", "")),
    (Event.gap("12 samples lost", 3.0, 0.006), ("gap", "12 samples lost", "")),
    (Event.marker("knee pain", 7.0), ("marker", "knee pain", "")),
    (Event.gait("right", GaitPhase.TOE_OFF, 8.25, "fsr_R"), ("gait", "right toe_off", "fsr_R")),
]


@pytest.mark.parametrize("event,row", ROWS, ids=[r[1][1] for r in ROWS])
def test_label_is_derived_and_reads_back(event, row):
    kind, label, channel = row
    assert event.row()[2:] == (kind, label, channel)
    assert Event.from_row(*event.row()) == event


def test_rep_belongs_to_its_set_only():
    s = Event.set("clamshell", "left", 20.0, 60.0)
    assert Event.repetition("clamshell", "left", 1, 22.0, 5.0).belongs_to(s)
    assert not Event.repetition("clamshell", "right", 1, 22.0, 5.0).belongs_to(s)
    assert not Event.repetition("clamshell", "left", 1, 90.0, 5.0).belongs_to(s)


def test_a_label_that_breaks_its_pattern_is_kept_as_text():
    e = Event.from_row(1.0, 0.0, "mvc", "mvc of everything")
    assert e.kind is EventKind.MARKER and e.text == "mvc: mvc of everything"
    e = Event.from_row(1.0, 0.0, "future_kind", "x")
    assert e.kind is EventKind.MARKER and "future_kind" in e.text


def test_fields_default_to_plain_values():
    e = Event.marker("x", 1.0)
    assert e.rep == 0 and e.exercise == "" and e.side is None and e.muscle == ""
