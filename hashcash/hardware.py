"""Hardware profiles: how fast a solver hashes, what an hour of it costs, and what it draws.

Every figure is SHA-256 of a short (one- or two-block) message, the shape of a HashCash
trial. Scenarios may add or override profiles in a ``[hardware.NAME]`` table.
"""

from __future__ import annotations

from dataclasses import dataclass

from powsim.errors import InputError, ParameterError
from powsim.hashcash.local_profile import load_local_rate

LOCAL = "local"  # this machine, as measured by ``powsim hashcash bench``
SECONDS_PER_HOUR = 3600.0
JOULES_PER_KWH = 3.6e6


@dataclass(frozen=True)
class Hardware:
    """One solver: ``hash_rate_hz`` SHA-256 trials per second, its price and power draw."""

    name: str
    hash_rate_hz: float
    price_per_hour_usd: float
    watts: float

    def check(self, where: str) -> None:
        """Raise :class:`InputError` (naming ``where``) for an impossible figure."""
        if not (0 < self.hash_rate_hz < 1e15):
            raise InputError(f"{where}: hash_rate_hz {self.hash_rate_hz!r}, expected a positive "
                             "finite hash rate below 1e15 hashes/s")
        for field, value in (("price_per_hour_usd", self.price_per_hour_usd), ("watts", self.watts)):
            if not (0 <= value < float("inf")):
                raise InputError(f"{where}: {field} {value!r}, expected a finite number >= 0")

    def dollars(self, hashes: float) -> float:
        """US dollars to compute ``hashes`` trials (rent or amortised purchase, per hour of use)."""
        return hashes / self.hash_rate_hz / SECONDS_PER_HOUR * self.price_per_hour_usd

    def kwh(self, hashes: float) -> float:
        """Energy in kWh to compute ``hashes`` trials at the profile's power draw."""
        return hashes / self.hash_rate_hz * self.watts / JOULES_PER_KWH


# The profile of an agent, a stream or a botnet that names none, and of `powsim table`.
DEFAULT_PROFILE = "laptop-cpu"

PROFILES: dict[str, Hardware] = {
    # A Python client on one laptop core, plain hashlib loop: ~0.7 M SHA-256/s (figure given
    # in issue 4; the same loop measured 2.2 M/s on one AMD EPYC server core here, 2026-11-23).
    # Price: a $1,200 laptop amortised over 3 years of round-the-clock use, ~$0.046/h.
    # Power: ~15 W for one busy core of a 15-45 W laptop package.
    "laptop-cpu": Hardware("laptop-cpu", 0.7e6, 0.046, 15.0),
    # A browser (JavaScript/WebAssembly SHA-256) on a recent laptop: ~1.3 M/s, the top of the
    # published 0.1-1.3 M/s range for browser PoW captchas (issue 4). mCaptcha's WASM solver
    # is of this order in Firefox and Chromium on an i7-9750H (mcaptcha.io/blog/pow-performance,
    # 2021-23: a 1,000,000-difficulty challenge in about 0.4 s). Price and power as above.
    "browser": Hardware("browser", 1.3e6, 0.046, 15.0),
    # A browser on a budget phone: ~0.1 M/s, the bottom of that range. For scale, Anubis's
    # JavaScript solver reached ~150 kH/s with several workers in a browser on a desktop Ryzen 9
    # 7950X (yumechi.jp, "Proof of Mutex", 2025); a phone is slower. Price: a $300 phone over
    # 3 years, ~$0.011/h; power ~5 W.
    # Measured, not estimated: this project's browser client (gateway/static/worker.js,
    # WebCrypto SHA-256 of the 168-byte challenge || nonce, 256 digests in flight per worker)
    # in Chromium 156.0.8078.114 headless, 2 Web Workers (navigator.hardwareConcurrency) on a
    # 2-core AMD EPYC VM shared with other jobs (load average 2-4), 2026-12-04:
    # 206,109 H/s (103,054 per worker) over 5 s after 1 s of warm-up, by
    # `python benchmarks/bench_gateway.py 5` (earlier runs under heavier load: 171,000-183,000).
    # 13 % of the estimated `browser` above: WebCrypto's asynchronous digest calls, not the
    # hashing, bound it. Price and power: as `browser` (a laptop's).
    "browser-measured": Hardware("browser-measured", 206_109.0, 0.046, 15.0),
    "phone-browser": Hardware("phone-browser", 0.1e6, 0.011, 5.0),
    # Native SHA-256 on one server core with SHA-NI: 8.6 M/s measured here with
    # `openssl speed -seconds 2 -bytes 32 sha256` (275 MB/s of 32-byte messages, AMD EPYC).
    # Price: one vCPU on demand (AWS c7a.medium, ~$0.051/h). Power: a 360 W 96-core EPYC
    # 9654 package, ~3.75 W per core.
    "server-cpu": Hardware("server-cpu", 8.6e6, 0.051, 3.75),
    # One RTX 4090: 21,975.5 MH/s in hashcat 6.2.6's SHA2-256 benchmark (-m 1400, published
    # by Chick3nman, Oct 2022). Price: ~$0.35/h on community GPU clouds (vast.ai, RunPod list
    # $0.3-0.7/h). Power: 450 W board power.
    "gpu": Hardware("gpu", 21.9755e9, 0.35, 450.0),
}


def local_profiles() -> dict[str, Hardware]:
    """``{'local': this machine's profile}`` once ``powsim hashcash bench`` has stored its hash
    rate (one core, hashes per CPU-second), else empty. Its price and power are unknown, so 0:
    a scenario's ``[hardware.local]`` table can set them."""
    rate = load_local_rate()
    return {} if rate is None else {LOCAL: Hardware(LOCAL, rate.per_core_hz, 0.0, 0.0)}


def hardware_profile(name: str) -> Hardware:
    """The built-in profile ``name``, or ``local`` once ``powsim hashcash bench`` has stored it."""
    profiles = {**PROFILES, **local_profiles()}
    if name not in profiles:
        raise ParameterError(f"{{hardware}}: {name!r} is not measured yet, expected one of "
                         f"{', '.join(sorted(profiles))} (run 'powsim hashcash bench' for local)")
    return profiles[name]
