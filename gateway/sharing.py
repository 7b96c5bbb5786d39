"""Client and gateway on the same cores: what each used during a load level, and the model.

Measured per level: the client's CPU seconds (``resource.getrusage`` of this process: the
solver's threads and the HTTP calls, user plus system time) over the level's wall seconds,
as a share ``c`` of this machine's cores; and, from the gateway's ``GET /metrics`` before and
after the level, its CPU seconds per labelled request (``process_cpu_seconds_total`` over the
requests served).

The model: the gateway's service rate is its rate on free cores reduced by the share the
client takes, mu_L = mu_free (1 - c_L), i.e. the service time at level L is
s_L = s_free / (1 - c_L), s_free the service time on a quiet gateway. It predicts the
service at a level without measuring there; ``validate-server`` reports it beside the
service the gateway measured.
"""

from __future__ import annotations

import math
import os
import resource
import time
from dataclasses import dataclass

from powsim.errors import InputError

CPU = "process_cpu_seconds_total"


def scrape(url: str, timeout_s: float = 10.0) -> dict[str, float]:
    """The unlabelled samples of the gateway's ``/metrics`` (name -> value); an
    :class:`~powsim.errors.InputError` when no gateway answers there."""
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/metrics", timeout=timeout_s)
        response.raise_for_status()
    except httpx.HTTPError as err:
        raise InputError(f"{url}: no gateway's /metrics answered ({type(err).__name__}), expected "
                         "the address of a running 'powsim serve'") from None
    text = response.text
    samples = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#") and "{" not in parts[0]:
            samples[parts[0]] = float(parts[1])
    return samples


@dataclass(frozen=True)
class Usage:
    """What a level used: ``client_share`` of the machine's cores (0..1) and the gateway's
    ``server_cpu_s`` per labelled request (NaN when it served none)."""

    client_share: float
    server_cpu_s: float


class Meter:
    """Measures one level: construct before it, :meth:`done` after."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.metrics = scrape(url)
        self.wall = time.perf_counter()
        self.cpu = _client_cpu_s()

    def done(self, served: int) -> Usage:
        """The level's usage; ``served`` the requests that got labels in it."""
        wall_s = time.perf_counter() - self.wall
        share = (_client_cpu_s() - self.cpu) / wall_s / (os.cpu_count() or 1)
        after = scrape(self.url)
        cpu_s = after.get(CPU, math.nan) - self.metrics.get(CPU, math.nan)
        return Usage(share, cpu_s / served if served else math.nan)


def _client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def shared_service_s(free_s: float, client_share: float) -> float:
    """The service time (s) of a gateway whose service on free cores takes ``free_s`` when a
    client takes ``client_share`` of the cores (capped at 0.95: the model is not meant for a
    client that takes them all)."""
    return free_s / (1.0 - min(client_share, 0.95))
