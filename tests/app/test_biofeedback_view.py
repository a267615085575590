"""The patient-facing biofeedback model, without Qt."""
import pytest

from emgmap.app.biofeedback_view import BAND_STEP_PCT, BiofeedbackModel
from emgmap.dsp.indices import LabelledValue, LiveIndices, Ratio
from emgmap.montage import default_montage
from emgmap.types import ConfigError, Side

M = default_montage()


def live(t, gmed_l, gmed_r=0.0, tfl_l=0.0, norm="mvc"):
    act = {c.name: LabelledValue(0.0, norm) for c in M.channels}
    act["gmed_L"] = LabelledValue(gmed_l, norm)
    act["gmed_R"] = LabelledValue(gmed_r, norm)
    act["tfl_L"] = LabelledValue(tfl_l, norm)
    ratios = (Ratio("gmed:tfl", "left", gmed_l, tfl_l, gmed_l / tfl_l if tfl_l else float("inf"), norm),)
    return LiveIndices(t, int(t * 2000), act, (), ratios)


def test_hits_and_hold_per_rep():
    model = BiofeedbackModel(M, ("gmed",), target_pct=40.0, sides=(Side.LEFT,))
    assert [b.title for b in model.update(live(0.0, 5.0)).bars] == ["gmed L"]
    trace = [5, 20, 45, 50, 55, 50, 65, 45, 45, 38, 45, 10, 5, 42, 48, 20]   # %MVC every 0.5 s
    views = [model.update(live(0.5 * (k + 1), v)) for k, v in enumerate(trace)]
    bar = views[-1].bars[0]
    assert bar.hits == 2 and bar.band == (40.0, 60.0)
    # rep 1: in the band 1.5-3.0 s (hold 1.5 s), above it at 3.5, back 4.0-4.5; 38 %MVC dips
    # under the band but not under 80 % of it (32): still rep 1, so no new hit at 5.5 s
    assert [v.bars[0].hits for v in views] == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2]
    assert views[5].bars[0].hold_s == pytest.approx(1.5) and views[6].bars[0].hold_s == 0.0
    assert views[10].bars[0].best_hold_s == pytest.approx(1.5) and views[10].bars[0].in_rep
    assert not views[12].bars[0].in_rep and views[12].bars[0].best_hold_s == pytest.approx(1.5)  # kept on screen
    assert views[14].bars[0].hold_s == pytest.approx(0.5) and views[14].bars[0].best_hold_s == pytest.approx(0.5)
    assert "2 hits" in bar.spoken and "below the target 40-60" in bar.spoken


def test_no_target_without_mvc():
    model = BiofeedbackModel(M, ("gmed",))
    v = model.update(live(0.0, 80.0, 80.0, norm="peak"))
    assert not v.calibrated and all(not b.calibrated and b.hits == 0 for b in v.bars)
    assert "calibrate MVC" in v.bars[0].spoken


def test_bands_are_per_muscle_and_adjustable():
    model = BiofeedbackModel(M, ("gmed", "gmax", "es"))   # es is not on the montage
    assert model.muscles == ("gmed", "gmax")
    model.set_band("gmax", 20, 30)
    assert model.nudge("gmed", 2) == (40 + 2 * BAND_STEP_PCT, 60 + 2 * BAND_STEP_PCT)
    assert model.nudge("gmax", -10) == (BAND_STEP_PCT, BAND_STEP_PCT + 10)   # the bottom stays above 0
    assert model.bands["gmax"] == (5.0, 15.0)
    with pytest.raises(ConfigError, match="bottom below its top"):
        model.set_band("gmed", 50, 40)
    with pytest.raises(ConfigError, match="targets: gmed, gmax"):
        model.set_band("tfl", 10, 20)


def test_dominance_cue_when_the_antagonist_takes_over_for_a_second():
    model = BiofeedbackModel(M, ("gmed",), sides=(Side.LEFT,))
    cues = [model.update(live(0.25 * k, 20.0, tfl_l=35.0)).cues for k in range(6)]
    assert not cues[3] and cues[4]   # 1 s of TFL above gmed
    assert cues[4][0].text == "left leg: tensor fasciae latae (TFL) is taking over from gluteus medius (GMED)"
    model.set_sides((Side.RIGHT,))    # the right leg's set: the left pair is not watched
    assert not model.update(live(2.0, 20.0, tfl_l=35.0)).cues
