"""Locust load on a running gateway: clients that ask a challenge, solve it with the
multi-core solver and redeem it for labels; headless, loopback, bounded.

Run (the gateway first, e.g. ``powsim serve examples/quickstart.toml --port 8000
--challenges-per-minute 10000``), with locust installed (``pip install locust``; it is not a
dependency of powsim):

    PYTHONPATH=... locust -f benchmarks/locustfile.py --headless --host http://127.0.0.1:8000 \\
        --users 10 --spawn-rate 5 --run-time 30s --csv results/locust

``--users`` and ``--run-time`` bound it in users and seconds, ``POWSIM_MAX_REQUESTS`` (default
1000) in requests: the run stops when that many have started. The host must be on loopback (refused otherwise). Each user waits an
exponential think time (mean ``POWSIM_THINK_S``, default 1 s) between requests of
``POWSIM_QUERIES`` images (default 16) on its own account ``locust-N``. Solving: one
:mod:`powsim.gateway.solver_pipe` process with ``POWSIM_SOLVERS`` threads (default every
core), shared by the users one solve at a time (this machine is one client device, as for
``powsim client``); locust's greenlets would run an in-process solver on one core. Locust
reports ``POST /challenge``, ``solve`` (the solver's seconds) and ``POST /labels``; a refused
request is a failure named by the gateway's reason.
"""

from __future__ import annotations

import base64
import itertools
import os
import random
import subprocess
import sys
from urllib.parse import urlsplit

import gevent
import gevent.lock
from locust import FastHttpUser, events, task
from locust.exception import StopUser

QUERIES = int(os.environ.get("POWSIM_QUERIES", "16"))
THINK_S = float(os.environ.get("POWSIM_THINK_S", "1.0"))
MAX_REQUESTS = int(os.environ.get("POWSIM_MAX_REQUESTS", "1000"))
_started = itertools.count(1)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_ids = itertools.count()
_images = {"dtype": "uint8", "shape": [QUERIES, 28, 28],
           "data": base64.b64encode(random.Random(0).randbytes(QUERIES * 28 * 28)).decode()}


class SolverPipe:
    """One solver process shared by every user, one solve at a time."""

    def __init__(self) -> None:
        command = [sys.executable, "-m", "powsim.gateway.solver_pipe"]
        if "POWSIM_SOLVERS" in os.environ:
            command.append(os.environ["POWSIM_SOLVERS"])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, bufsize=1)
        self.lock = gevent.lock.Semaphore()

    def solve(self, challenge: str, bits: int) -> tuple[str, float]:
        """(nonce hex, solve seconds) of ``challenge`` (hex) at ``bits``."""
        with self.lock:
            self.process.stdin.write(f"{challenge} {bits}\n")
            nonce, seconds = self.process.stdout.readline().split()
        if nonce == "error":
            raise ValueError(seconds)
        return nonce, float(seconds)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)


solver: SolverPipe | None = None


@events.test_start.add_listener
def _start(environment, **kwargs) -> None:
    global solver
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        raise SystemExit(f"--host {environment.host!r}: expected a loopback URL (http://127.0.0.1:PORT)")
    solver = SolverPipe()


@events.test_stop.add_listener
def _stop(environment, **kwargs) -> None:
    if solver is not None:
        solver.close()


class GatewayClient(FastHttpUser):
    """A client on its own account: challenge, solve, labels, think, again."""

    def wait_time(self) -> float:
        return random.expovariate(1 / THINK_S) if THINK_S > 0 else 0.0

    def on_start(self) -> None:
        self.account = f"locust-{next(_ids)}"

    @task
    def labelled_request(self) -> None:
        if next(_started) > MAX_REQUESTS:
            gevent.spawn(self.environment.runner.quit)  # not from this greenlet: quit kills it
            raise StopUser()
        with self.client.post("/challenge", json={"account": self.account, "queries": QUERIES},
                            name="POST /challenge", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"refused: {_reason(response)}")
                return
            challenge = response.json()
        try:
            nonce, solve_s = solver.solve(challenge["challenge"], challenge["bits"])
        except ValueError as err:
            raise StopUser() from err
        events.request.fire(request_type="SOLVE", name="solve", response_time=solve_s * 1000,
                            response_length=0, exception=None, context={})
        body = {"account": self.account, "challenge": challenge["challenge"], "nonce": nonce,
                "images": _images, "solve_s": solve_s}
        with self.client.post("/labels", json=body, name="POST /labels",
                            catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"refused: {_reason(response)}")


def _reason(response) -> str:
    try:
        return response.json().get("reason", str(response.status_code))
    except ValueError:
        return str(response.status_code)
