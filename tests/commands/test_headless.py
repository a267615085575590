import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "emgmap"


def test_core_imports_never_load_qt():
    code = ("import sys, emgmap, emgmap.drivers, emgmap.session, emgmap.cli, emgmap.sim, emgmap.quality;"
            "emgmap.cli.build_parser();"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PyQt6', 'pyqtgraph')];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


def test_only_gui_imports_qt():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "gui" in path.relative_to(PACKAGE).parts:
            continue
        for line in path.read_text().splitlines():
            s = line.strip()
            if s.startswith(("import PyQt6", "from PyQt6", "import pyqtgraph", "from pyqtgraph")):
                offenders.append(f"{path}: {s}")
    assert not offenders
