"""The Debian programs tests need: ``require`` (a missing one fails the test in CI and skips
it elsewhere, saying why), Chromium and its headless flags. Light on purpose: it imports
nothing of powsim, so a test that only needs a browser need not load the gateway."""

from __future__ import annotations

import os
import shutil

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def require(program: str) -> str:
    """The path of ``program``; in CI (``CI`` set) its absence fails the test with the reason,
    elsewhere it skips (``make test`` installs the Debian packages)."""
    import pytest

    path = shutil.which(program) or (program if os.path.exists(program) else None)
    if path:
        return path
    reason = f"{program} not found: install Debian's package (make test does: apt-get install -y ...)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
