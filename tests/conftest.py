"""Shared test setup.

The IREE wheels put `iree-compile` and `iree-run-module` next to this Python; tests that
run them (or `repro.sh` scripts, or lit RUN lines) through a shell need them on PATH even
when the virtual environment is not activated, as in CI (`.venv/bin/python -m pytest`).
"""

from __future__ import annotations

import os
import sys

_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
