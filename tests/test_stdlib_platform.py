"""`platform/` is a plain folder: Python's stdlib `platform` module must never be shadowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_stdlib_platform_is_not_shadowed_in_the_test_process() -> None:
    import platform

    assert not (ROOT / "platform" / "__init__.py").exists()
    assert platform.system()  # the stdlib's function, e.g. "Linux"
    assert Path(platform.__file__).parent != ROOT


def test_stdlib_platform_is_not_shadowed_from_the_project_root() -> None:
    # Given the project root first on sys.path, as `python -m` from the root puts it
    code = "import platform, uuid; print(platform.system()); print(uuid.uuid4())"
    # When Python starts there
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    # Then the stdlib module answers
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == __import__("platform").system()


def test_manage_py_works_from_any_working_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
