"""The layers contract (pyproject.toml [tool.importlinter], docs/architecture.md) holds, and
fails when a lower module imports a higher one."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_layers_hold():
    r = lint(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "BROKEN" not in r.stdout and r.stdout.count("KEPT") >= 2


def test_a_lower_module_importing_a_higher_one_breaks_the_contract(tmp_path):
    shutil.copytree(ROOT / "emgmap", tmp_path / "emgmap", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "emgmap" / "session" / "acquisition.py", "a", encoding="utf-8") as f:
        f.write("\nfrom ..app import live  # a layer up: forbidden\n")
    r = lint(tmp_path)
    assert r.returncode != 0
    assert "BROKEN" in r.stdout and "emgmap.session.acquisition -> emgmap.app.live" in r.stdout
