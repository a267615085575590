"""Channel metadata in the XDF convention (desc/channels/channel with label,
unit, type), plus emgmap's muscle and side, and the reverse: a muscle and side
guessed from a foreign stream's channel labels."""
from __future__ import annotations

from .. import muscle_names
from ..montage import MUSCLES, Channel, Montage, Side


def describe(info, montage: Montage, unit: str = "microvolts", ch_type: str = "EMG") -> None:
    """Fill ``info.desc()`` with one channel element per montage channel."""
    chans = info.desc().append_child("channels")
    for c in montage.channels:
        el = chans.append_child("channel")
        el.append_child_value("label", c.name)
        el.append_child_value("unit", unit)
        el.append_child_value("type", ch_type)
        el.append_child_value("muscle", c.muscle)
        el.append_child_value("side", c.side.value)
        if c.placement:
            el.append_child_value("placement", c.placement)


def read_channels(info) -> list[dict[str, str]]:
    """The channel elements of a stream's description (empty dicts when absent)."""
    out = []
    el = info.desc().child("channels").child("channel")
    while not el.empty():
        out.append({k: el.child_value(k) for k in ("label", "unit", "type", "muscle", "side")})
        el = el.next_sibling()
    return out


def guess(label: str) -> tuple[str, Side] | None:
    """``gmed_L``, ``L Gluteus Medius``, ``VMO-right`` -> (muscle key, side); None when unsure
    (the synonym table of emgmap/muscle_names.py)."""
    return muscle_names.guess(label)


def montage_from(info) -> Montage | None:
    """A montage from the channels' muscle/side metadata or labels (emgmap/muscle_names.py);
    channels neither names stay unassigned. None when the stream describes no channels."""
    meta = read_channels(info)
    if len(meta) != info.channel_count():
        return None
    chans = []
    for i, m in enumerate(meta):
        label = m["label"] or f"ch{i + 1}"
        if m["muscle"] in MUSCLES and m["side"] in ("left", "right", "midline"):
            found = (m["muscle"], Side(m["side"]))
        else:
            found = guess(label)
        chans.append(Channel(label, found[0], found[1], MUSCLES[found[0]].placement) if found
                     else Channel.unassigned(label))
    names = [c.name for c in chans]
    return Montage(tuple(chans)) if len(set(names)) == len(names) else None
