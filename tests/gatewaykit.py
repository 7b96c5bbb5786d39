"""What the gateway tests share: a tiny model setup, the scenario, clients that solve.

The setup trains in seconds (3 teachers on 600 images); the scenario is the quick-start one
with a reference client of 1,000 hashes/s, so a fresh account's challenges have a few bits.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from powsim.hashcash.solver import Solver
from powsim.traces.generate.setup import Setup

REPO = Path(__file__).resolve().parents[1]
SCENARIO = str(REPO / "examples" / "quickstart.toml")
SETUP = Setup(seed=3, teachers=3, pool_size=100, private_size=600, victim_epochs=1.0, teacher_epochs=2)
SETUP_OPTIONS = ["--seed", "3", "--teachers", "3", "--pool-size", "100", "--private-size", "600",
                 "--victim-epochs", "1", "--teacher-epochs", "2"]
OVERRIDES = ("defense.reference_hash_rate=1000",)


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve ASGI ``app`` with uvicorn on a free loopback port in a thread; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def images_field(images: np.ndarray) -> dict:
    """The wire form of uint8 images (n, 28, 28)."""
    return {"dtype": "uint8", "shape": list(images.shape),
            "data": base64.b64encode(np.ascontiguousarray(images).tobytes()).decode()}


def solved_body(challenge: dict, images: np.ndarray, solver: Solver) -> dict:
    """The /labels body that redeems ``challenge`` (a /challenge answer) for ``images``."""
    raw = bytes.fromhex(challenge["challenge"])
    solution = solver.solve(raw, challenge["bits"])
    return {"account": challenge["account"], "challenge": challenge["challenge"],
            "nonce": solution.nonce_bytes.hex(), "images": images_field(images),
            "solve_s": solution.seconds}
