"""The guided session's flow state, without Qt."""
import pytest

from emgmap.app.wizard_flow import (Page, Verdict, WizardFlow, identifying, match_protocol, montage_advice,
                                    protocol_choices, protocol_named, quality_rows)
from emgmap.montage import default_montage
from emgmap.privacy import looks_like_name
from emgmap.protocols import load_protocol
from emgmap.types import ConfigError
from emgmap.quality import ChannelQuality


@pytest.mark.parametrize("text, name", [("P017", False), ("knee-03", False), ("Anna Berg", True),
                                        ("Berg, Anna", True), ("José Núñez", True), ("anna", False), ("", False)])
def test_looks_like_name(text, name):
    assert looks_like_name(text) is name


@pytest.mark.parametrize("text, why", [("P017", ""), ("knee-03", ""), ("Anna Berg", "person's name"),
                                       ("Maria Garcia, born 1984-03-02", "person's name"),
                                       ("P017 02.03.1984", "birth date")])
def test_identifying(text, why):
    assert (why in identifying(text)) and (bool(identifying(text)) is bool(why))


def test_a_name_needs_a_second_unchanged_start():
    f = WizardFlow()
    f.begin("clamshell")
    assert f.page == Page.SETUP and f.protocol == "clamshell"
    assert "pseudonym" in f.check_pseudonym("  ")
    warn = f.check_pseudonym("Anna Berg")
    assert "looks like a person's name" in warn and "Start again" in warn
    f.pseudonym_edited()   # typed again: the confirmation was for the old text
    assert f.check_pseudonym("Anna Berg")
    assert f.check_pseudonym("Anna Berg") == ""   # the second press, unchanged: on purpose
    assert f.check_pseudonym("P017") == ""


def test_placement_walks_the_protocol_muscles_on_the_montage():
    f = WizardFlow()
    f.begin()
    f.start_placement(load_protocol("clamshell"), default_montage())
    assert f.page == Page.PLACEMENT and f.placement == ("gmed", "gmax", "tfl", "bf")
    assert f.muscle == "gmed" and f.placement_title == "Electrodes 1/4: gluteus medius (gmed)"
    f.previous_muscle()
    assert f.placement_index == 0
    f.next_muscle()
    f.next_muscle()
    f.previous_muscle()
    assert f.muscle == "gmax"
    for _ in range(3):
        f.next_muscle()
    assert f.page == Page.RUN and f.muscle is None
    f.finished()
    assert f.page == Page.SUMMARY


def test_protocols_are_listed_by_title_and_typing_an_ambiguous_prefix_picks_none():
    choices = protocol_choices()
    titles = [c.title for c in choices]
    assert titles == sorted(titles, key=str.lower) and "Single-leg squat" in titles
    assert all("_" not in c.label for c in choices)   # no raw names on screen
    assert match_protocol("single", choices) is None   # two single-leg protocols: not a guess
    assert match_protocol("single-leg sq", choices).name == "single_leg_squat"
    assert match_protocol("clamshell", choices).name == "clamshell"
    assert match_protocol("Step", choices).name == "step_up"
    clam = match_protocol("clamshell", choices)
    assert match_protocol(clam.label, choices) is clam   # the list's own entry
    with pytest.raises(ConfigError, match="Single-leg bridge and Single-leg squat"):
        protocol_named("single", choices)
    with pytest.raises(ConfigError, match="no protocol"):
        protocol_named("zzz", choices)


def test_setup_says_when_the_montage_lacks_the_prime_movers():
    squat = load_protocol("single_leg_squat")
    advice = montage_advice(squat, default_montage())
    assert advice.missing == ("vm", "vl") and advice.prime_mover_missing
    assert "vm" in advice.text and "prime mover" in advice.text and "12 channels" in advice.text
    assert advice.suggested is None   # 8 channels cannot hold it
    advice = montage_advice(squat, default_montage(), n_channels=16)
    assert advice.suggested is not None and {c.muscle for c in advice.suggested.channels} >= {"vm", "vl"}
    assert len(advice.suggested) == 12 and "protocol's montage" in advice.text
    assert montage_advice(load_protocol("clamshell"), default_montage()).text == ""


def test_quality_rows():
    good = ChannelQuality(12.0, 0.1, 0.01, 0.0, ())
    rows = quality_rows([good, ChannelQuality(0.1, 0, 0, 0, ("flat",)),
                         ChannelQuality(50, 40, 0.6, 0, ("mains-heavy",)),
                         ChannelQuality(50, 0, 0, 0.2, ("railed",))], ["a", "b", "c", "d"])
    assert [r.verdict for r in rows] == [Verdict.OK, Verdict.FLAT, Verdict.NOISY, Verdict.RAILED]
    assert rows[0].reason == "band RMS 12.0 µV" and "60 %" in rows[2].reason and "20 %" in rows[3].reason
