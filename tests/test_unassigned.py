"""Unassigned channels (muscle "", side midline): recorded, skipped by everything that needs a muscle."""
import numpy as np
import pytest

from emgmap.dsp.indices import IndexLayout
from emgmap.montage import Channel, Montage, MusclePair, default_montage
from emgmap.types import MontageError, Side


def mixed() -> Montage:
    m = default_montage()
    return Montage(m.channels[:4] + (Channel.unassigned("EXG Channel 4"), Channel.unassigned("EXG Channel 5")),
                   m.pairs)


def test_an_unassigned_channel_is_midline_and_round_trips_through_toml():
    m = mixed()
    assert [c.assigned for c in m.channels] == [True] * 4 + [False] * 2 and len(m.assigned) == 4
    assert m.channels[4].label == "EXG Channel 4" and m.channels[0].label == "gmed L"
    assert Montage.loads(m.dumps()) == m
    short = Montage.loads('[[channel]]\nname = "a"\nmuscle = ""\n')      # side may be left out
    assert short.channels[0] == Channel.unassigned("a")
    with pytest.raises(MontageError, match="has no muscle but side left; an unassigned channel is midline"):
        Montage((Channel("a", "", Side.LEFT),))
    assert Montage.unassigned(["x", "y"]).assigned == ()


def test_lookups_and_indices_skip_unassigned_channels():
    m = mixed()
    assert m.index("", Side.MIDLINE) is None and m.bilateral_muscles() == ["gmed", "gmax"]
    full = IndexLayout(Montage(m.channels[:4], m.pairs))
    layout = IndexLayout(m)
    extra = [c for c in layout.columns if c not in full.columns]
    assert extra == ["act:EXG Channel 4", "act:EXG Channel 5"]         # a level per channel, no muscle index
    assert [c for c in layout.columns if c.startswith(("si:", "ratio:"))] == \
        [c for c in full.columns if c.startswith(("si:", "ratio:"))]
    assert MusclePair.parse("gmed:tfl") in m.pairs


def test_activation_bars_show_only_assigned_muscles(qtbot):
    pytest.importorskip("pytestqt")
    from emgmap.gui.bodymap import ActivationBars
    from emgmap.gui.theme import THEMES
    bars = ActivationBars(THEMES["dark"])
    qtbot.addWidget(bars)
    bars.set_montage(mixed())
    assert bars.rows == ["gmed", "gmax"]
    bars.resize(300, 200)
    bars.set_levels({("gmed", Side.LEFT): 10.0}, {("gmed", Side.LEFT): 0.5}, "µV")
    bars.grab()                                                            # paints without error
    assert np.isfinite(bars.values[("gmed", Side.LEFT)])


def test_the_montage_editor_offers_unassigned(qtbot):
    pytest.importorskip("pytestqt")
    from emgmap.gui.devicebar import MontageEditor
    ed = MontageEditor(mixed())
    qtbot.addWidget(ed)
    assert ed.montage() == mixed()                                # unassigned channels come back as they were
    combo = ed.table.cellWidget(0, 1)
    combo.setCurrentIndex(combo.findData(""))                      # the user unassigns gmed_L
    assert not ed.montage().channels[0].assigned and ed.montage().channels[0].side == Side.MIDLINE
