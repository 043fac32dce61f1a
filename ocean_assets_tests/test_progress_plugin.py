"""`make test` prints one line per test file as it finishes (ocean_assets_tests/progress.py), with
and without pytest-xdist: a real pytest run over two small files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ocean_assets.settings import PROJECT_ROOT

FILES = {
    "test_alpha.py": "import pytest\n\ndef test_a():\n    pass\n\ndef test_b():\n    pass\n\n"
                     "def test_c():\n    pytest.skip('no reason')\n",
    "test_beta.py": "import pytest\n\n@pytest.fixture\ndef broken():\n    raise RuntimeError('setup')\n\n"
                    "def test_d():\n    assert 1 == 2\n\ndef test_e(broken):\n    pass\n\ndef test_f():\n    pass\n",
}


@pytest.mark.parametrize("xdist", [[], ["-n", "2", "--dist", "loadfile"]], ids=["plain", "xdist"])
def test_one_line_per_file_with_its_outcomes(tmp_path: Path, xdist: list[str]) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                             "ocean_assets_tests.progress", *xdist, str(tmp_path)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr  # test_d fails, test_e errors
    lines = {m[1]: m[2] for m in re.finditer(r"^(test_\w+\.py): (.+) in \d+\.\ds$", result.stdout, re.M)}
    assert lines == {"test_alpha.py": "2 passed, 1 skipped", "test_beta.py": "1 passed, 1 failed, 1 error"}, \
        result.stdout
