"""The user cache: what powsim keeps between commands on this machine, not in a project or a
result (the ``local`` hash-rate profile, the machine's HMAC key, the charts' script bundle).

``$POWSIM_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/powsim``, else ``~/.cache/powsim``.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_cache() -> Path:
    """The user cache folder (not created here)."""
    return Path(os.environ.get("POWSIM_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "powsim")
