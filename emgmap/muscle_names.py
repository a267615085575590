"""Muscle names and side markers as other tools write them -> emgmap's (muscle key, side).

One synonym table for every place that reads foreign channel labels: the
importers (OpenBCI, BrainFlow, delimited text, XDF), the LSL inlet and
``montage.guess_montage()``. A label is cut into words (letters only, case
ignored, ``camelCase`` kept whole); a side word may stand first or last
(``L Glute Med``, ``Glute Med Left``, ``gmed_L``, ``Biceps Femoris (R)``);
filler words (``emg``, ``m``, ``musculus``, ``muscle``) are dropped; the
remaining words, joined without spaces, are looked up in :data:`SYNONYMS`.

Sides (:data:`SIDE_WORDS`): ``l``, ``left``, ``lt``, ``lft``, ``izq``,
``izquierdo``; ``r``, ``right``, ``rt``, ``rgt``, ``der``, ``derecho``.

Muscles (:data:`SYNONYMS`, the keys of ``montage.MUSCLES``, reference/semg.md §2):

========  ==================================================================
key       also written as
========  ==================================================================
gmed      gluteus medius, glute med, glut med, gluteal medius, GMed, GluMed
gmax      gluteus maximus, glute max, glut max, GMax, GluMax
tfl       tensor fasciae latae, tensor fascia lata(e), tensor fasciae lata
vm        vastus medialis, vastus medialis obliquus, VMO, vasto medial
vl        vastus lateralis, vasto lateral
rf        rectus femoris, recto femoral
bf        biceps femoris, bicep femoris, biceps femoral, long head of biceps
st        semitendinosus, semitendinoso, medial hamstring
es        erector spinae, lumbar erector spinae, longissimus, paraspinal(s)
========  ==================================================================

Spanish names come from the UCI lower-limb files (``Recto Femoral``,
``Biceps Femoral``, ``Vasto Medial``, ``Semitendinoso``). Abbreviations that
are ambiguous (``GM``: medius or maximus) are deliberately absent: a wrong
muscle is worse than an unassigned channel.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .types import Side

SIDE_WORDS: dict[str, Side] = {
    "l": Side.LEFT, "left": Side.LEFT, "lt": Side.LEFT, "lft": Side.LEFT, "izq": Side.LEFT,
    "izquierdo": Side.LEFT,
    "r": Side.RIGHT, "right": Side.RIGHT, "rt": Side.RIGHT, "rgt": Side.RIGHT, "der": Side.RIGHT,
    "derecho": Side.RIGHT,
}
FILLER = frozenset({"emg", "m", "musculus", "muscle", "mm"})

SYNONYMS: dict[str, tuple[str, ...]] = {
    "gmed": ("gmed", "gluteus medius", "glute med", "glut med", "gluteal medius", "glute medius", "glumed",
             "gluteusmed"),
    "gmax": ("gmax", "gluteus maximus", "glute max", "glut max", "gluteal maximus", "glute maximus", "glumax",
             "gluteusmax"),
    "tfl": ("tfl", "tensor fasciae latae", "tensor fascia latae", "tensor fascia lata", "tensor fasciae lata"),
    "vm": ("vm", "vastus medialis", "vastus medialis obliquus", "vmo", "vasto medial", "vasto medialis"),
    "vl": ("vl", "vastus lateralis", "vasto lateral"),
    "rf": ("rf", "rectus femoris", "recto femoral", "rectus femoral"),
    "bf": ("bf", "biceps femoris", "bicep femoris", "biceps femoral", "long head of biceps", "bfl"),
    "st": ("st", "semitendinosus", "semitendinoso", "medial hamstring"),
    "es": ("es", "erector spinae", "lumbar erector spinae", "longissimus", "paraspinal", "paraspinals"),
}


def _key(words) -> str:
    return "".join(words)


_LOOKUP: dict[str, str] = {_key(re.findall(r"[a-z]+", name)): key
                           for key, names in SYNONYMS.items() for name in names}


@dataclass(frozen=True)
class LabelMeaning:
    """What a channel label says: a muscle key and a side, each None when it says nothing."""
    muscle: str | None
    side: Side | None

    @property
    def complete(self) -> bool:
        return self.muscle is not None and self.side is not None


def words(label: str) -> list[str]:
    """Lower-case words of ``label``: letters only; ``gmed_L`` -> ['gmed', 'l']."""
    return re.findall(r"[a-z]+", label.lower())


def parse_label(label: str) -> LabelMeaning:
    """The muscle and side a channel label names (either None when it does not)."""
    w = [x for x in words(label) if x not in FILLER]
    side = None
    if w and w[0] in SIDE_WORDS:
        side, w = SIDE_WORDS[w[0]], w[1:]
    elif w and w[-1] in SIDE_WORDS:
        side, w = SIDE_WORDS[w[-1]], w[:-1]
    return LabelMeaning(_LOOKUP.get(_key(w)) if w else None, side)


def muscle_key(name: str) -> str | None:
    """The muscle key a name stands for (``Glute Med`` -> ``gmed``), None when unknown."""
    return _LOOKUP.get(_key(x for x in words(name) if x not in FILLER))


def guess(label: str) -> tuple[str, Side] | None:
    """(muscle key, side) when ``label`` names both, else None (the channel stays unassigned)."""
    m = parse_label(label)
    return (m.muscle, m.side) if m.complete else None
