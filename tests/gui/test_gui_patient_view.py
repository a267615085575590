"""The patient-facing biofeedback screen draws the Qt-free BiofeedbackView and sends keys back."""
import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import Qt  # noqa: E402

from emgmap.app.biofeedback_view import BiofeedbackModel  # noqa: E402
from emgmap.dsp.indices import LabelledValue, LiveIndices, Ratio  # noqa: E402
from emgmap.gui.patient_view import PatientView, bar_scale  # noqa: E402
from emgmap.gui.theme import THEMES  # noqa: E402
from emgmap.montage import default_montage  # noqa: E402

M = default_montage()


def live(t, gmed, tfl):
    act = {c.name: LabelledValue(5.0, "mvc") for c in M.channels}
    act.update(gmed_L=LabelledValue(gmed, "mvc"), gmed_R=LabelledValue(gmed, "mvc"), tfl_L=LabelledValue(tfl, "mvc"))
    return LiveIndices(t, 0, act, (), (Ratio("gmed:tfl", "left", gmed, tfl, gmed / tfl, "mvc"),))


def test_bars_cue_and_keys(qtbot):
    model = BiofeedbackModel(M, ("gmed", "gmax"), target_pct=40.0)
    view = PatientView(THEMES["dark"])
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    for k in range(8):
        view.set_view(model.update(live(0.25 * k, 50.0, 60.0)))
    assert [b.title for b in view.view.bars] == ["gmed L", "gmed R", "gmax L", "gmax R"]
    assert view.view.cues and "taking over" in view.accessibleDescription()
    assert "gmed left 50 %MVC, in the target 40-60" in view.accessibleDescription()
    cols = view.columns()
    assert len(cols) == 4 and all(view.rect().contains(r.toRect()) and view.rect().contains(n.toRect())
                                  for r, n in cols)
    assert view.grab().width() == 1366   # paints without error
    asked = []
    view.nudge_requested.connect(lambda m, s: asked.append((m, s)))
    closed = []
    view.close_requested.connect(lambda: closed.append(True))
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert asked == [("gmed", 1), ("gmax", -1)] and closed == [True]


def test_scale_grows_with_a_high_band():
    model = BiofeedbackModel(M, ("gmed",))
    assert bar_scale(model.update(live(0.0, 10, 5))) == 100.0
    model.set_band("gmed", 90, 120)
    assert bar_scale(model.update(live(0.25, 10, 5))) == 140.0
