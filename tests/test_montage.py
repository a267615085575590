import tomllib

import pytest

from emgmap import tomlio
from emgmap.montage import Channel, Montage, MusclePair, default_montage, full_montage
from emgmap.types import MontageError, Side


def test_default_montage_is_the_simulators_eight_channels():
    m = default_montage()
    assert m.names == ("gmed_L", "gmed_R", "gmax_L", "gmax_R", "tfl_L", "tfl_R", "bf_L", "bf_R")
    assert [p.name for p in m.pairs] == ["gmed:tfl", "gmax:bf"]
    assert m.index("tfl", "right") == 5 and m.index("vm", Side.LEFT) is None
    assert m.bilateral_muscles() == ["gmed", "gmax", "tfl", "bf"]


@pytest.mark.parametrize("montage", [default_montage(), full_montage()])
def test_toml_round_trip(tmp_path, montage):
    path = tmp_path / "m.toml"
    montage.save(path)
    assert Montage.load(path) == montage


def test_group_pairs_round_trip():
    m = full_montage()
    hq = m.pairs[-1]
    assert hq.agonists == ("bf", "st") and hq.antagonists == ("rf", "vm")
    assert hq.name == "bf+st:rf+vm"
    assert Montage.loads(m.dumps()).pairs[-1] == hq


def test_tomlio_writes_what_tomllib_reads():
    doc = {"a": 1, "b": 2.5, "c": "x \"q\" \\ \n", "d": [1, 2], "e": True,
           "t": {"k": "v", "sub": {"z": -1.0}}, "rows": [{"n": 1}, {"n": 2}]}
    assert tomllib.loads(tomlio.dumps(doc)) == doc


def test_bad_toml_is_a_clear_error():
    with pytest.raises(MontageError, match="not valid TOML"):
        Montage.loads("[[channel]\nname=", source="bad.toml")


@pytest.mark.parametrize("text, match", [
    ('[[channel]]\nname="a"\nmuscle="gmedd"\nside="left"', r"channel\[0\]\.muscle: unknown muscle 'gmedd'"),
    ('[[channel]]\nname="a"\nmuscle="gmed"\nside="up"', r"channel\[0\]\.side must be left, right or midline"),
    ('[[channel]]\nname="a"\nmuscle="gmed"\nside="left"\n[[channel]]\nname="a"\nmuscle="tfl"\nside="left"',
     r"channel\[1\]\.name: duplicate channel name 'a'"),
    ('[[channel]]\nmuscle="gmed"\nside="left"', r"channel\[0\]\.name is missing"),
    ('[[channel]]\nname="a"\nmuscle="gmed"\nside="left"\ncolour="red"', r"channel\[0\]\.colour is not a channel field"),
    ('[[channel]]\nname="a"\nmuscle="gmed"\nside="left"\n[[pair]]\nagonist="gmed"\nantagonist="tlf"',
     r"pair\[0\]\.antagonist: unknown muscle 'tlf'"),
    ('title="x"', "unknown section 'title'"),
    ('', r"needs at least one \[\[channel\]\]"),
])
def test_invalid_montages_name_the_field(text, match):
    with pytest.raises(MontageError, match=match):
        Montage.loads(text, source="m.toml")


def test_unreadable_file_names_the_path(tmp_path):
    with pytest.raises(MontageError, match="cannot read montage file .*nope.toml"):
        Montage.load(tmp_path / "nope.toml")


def test_pair_parsing():
    assert MusclePair.parse("gmax:bf").muscles == ("gmax", "bf")
    with pytest.raises(MontageError, match="agonist:antagonist"):
        MusclePair.parse("gmax")


def test_channel_checks_in_code_too():
    with pytest.raises(MontageError, match="unknown muscle"):
        Montage((Channel("x", "calf", Side.LEFT),))


@pytest.mark.parametrize("text, match", [
    # issue 18 item 12: a traceback, and a placement that was not text accepted
    ('pair = 5\n[[channel]]\nname = "a"\nmuscle = "gmed"\nside = "left"', "pair must be \\[\\[pair\\]\\] tables"),
    ('[[channel]]\nname = "a"\nmuscle = "gmed"\nside = "left"\nplacement = 5', r"channel\[0\].placement must be a string"),
])
def test_montage_schema_names_the_field(text, match):
    with pytest.raises(MontageError, match=match):
        Montage.loads(text, "m.toml")
