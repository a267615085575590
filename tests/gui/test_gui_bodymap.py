import pytest

pytest.importorskip("pytestqt")
from emgmap.gui.bodymap import BodyMap  # noqa: E402
from emgmap.gui.theme import THEMES  # noqa: E402
from emgmap.montage import default_montage  # noqa: E402
from emgmap.types import Side  # noqa: E402


@pytest.mark.parametrize("view, point, expected", [
    (1, (35, 90), ("gmax", Side.LEFT)),      # back view: the patient's left on the viewer's left
    (1, (65, 90), ("gmax", Side.RIGHT)),
    (1, (28, 145), ("bf", Side.LEFT)),       # lateral hamstring
    (0, (35, 80), ("tfl", Side.LEFT)),       # left side view, anterior hip
    (2, (65, 80), ("tfl", Side.RIGHT)),      # right side view is mirrored
    (1, (50, 190), None),                    # between the knees
])
def test_each_view_places_the_muscles_where_expected(qtbot, view, point, expected):
    b = BodyMap(THEMES["dark"])
    qtbot.addWidget(b)
    b.resize(900, 620)
    b.set_montage(default_montage())
    x0, scale, title_h = b._geometry()
    x = x0 + view * 120 * scale + point[0] * scale
    y = title_h + point[1] * scale
    assert b.muscle_at(x, y) == expected


def test_fill_follows_the_level(qtbot):
    b = BodyMap(THEMES["light"])
    qtbot.addWidget(b)
    assert b.colour(0.0) == b.lut[0] and b.colour(1.0) == b.lut[255] and b.colour(7.0) == b.lut[255]
    assert b.colour(float("nan")) == b.lut[0]
    assert b.lut[0].lightness() < b.lut[255].lightness()  # dark = low, bright = high
