"""No dead code: every function a package re-exports (``__all__`` of its ``__init__``) is
used somewhere besides its definition: in emgmap, the tests or the docs. (Types may be
exported for annotations alone.)"""
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import emgmap

REPO = Path(__file__).resolve().parents[1]


def _packages():
    for m in pkgutil.walk_packages(emgmap.__path__, "emgmap."):
        if m.ispkg and not m.name.startswith("emgmap.gui"):
            yield m.name


def test_every_re_exported_name_is_used():
    texts = {p: p.read_text(encoding="utf-8") for folder in ("emgmap", "tests", "docs")
             for p in (REPO / folder).rglob("*") if p.suffix in (".py", ".md")}
    unused = []
    for name in _packages():
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if not inspect.isfunction(obj):
                continue
            home = Path(getattr(importlib.import_module(getattr(obj, "__module__", name) or name), "__file__", ""))
            init = Path(module.__file__)
            word = re.compile(rf"\b{re.escape(attr)}\b")
            if not any(word.search(t) for p, t in texts.items() if p not in (home, init)):
                unused.append(f"{name}.{attr}")
    assert unused == [], unused
