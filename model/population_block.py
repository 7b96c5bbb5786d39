"""A fitted population as the ``[[agents]]`` entry a scenario pastes in, its fit's CIs and
provenance as comments above it (``powsim population import``)."""

from __future__ import annotations

import json

from powsim.model.population_fit import PopulationFit

DIGITS = 6  # significant digits of every written number: CSV and parquet logs give one text


def _number(value: float) -> str:
    text = f"{value:.{DIGITS}g}"
    return text if any(c in text for c in ".en") else text + ".0"


def _ci(ci: tuple[float, float]) -> str:
    return f"95 % CI [{ci[0]:.{DIGITS}g}, {ci[1]:.{DIGITS}g}]"


def _shares(fit: PopulationFit) -> dict[str, float]:
    """Shares rounded to ``DIGITS`` decimals, the largest taking the rounding so they sum to 1."""
    shares = {name: round(share, DIGITS) for name, (share, _) in fit.devices.items()}
    largest = max(shares, key=shares.get)
    shares[largest] = round(1 - sum(v for k, v in shares.items() if k != largest), DIGITS)
    return shares


def population_block(fit: PopulationFit, name: str, count: int, trace: str,
                     origin: dict[str, object]) -> str:
    """The TOML text: comment lines (the fit and ``origin``, a provenance record) and one
    ``[[agents]]`` legit entry of ``count`` members drawing from the pool at ``trace``."""
    hardware = ", ".join(f"{key} = {_number(value)}" for key, value in _shares(fit).items())
    lines = [
        f"# Population fitted by powsim from {fit.requests:,} requests of {fit.members:,} members "
        f"(source: {origin.get('source')}).",
        f"#   queries per member: lognormal, median {fit.median:.{DIGITS}g} {_ci(fit.median_ci)}, "
        f"sigma {fit.sigma:.{DIGITS}g} {_ci(fit.sigma_ci)}",
        f"#     Kolmogorov-Smirnov of log(queries) against the fitted normal: D = "
        f"{fit.ks_statistic:.4f}, p = {fit.ks_p_fitted:.3f} (Lilliefors, Monte Carlo; plain KS "
        f"p = {fit.ks_p:.4g}, optimistic: the law is fitted to the same values)",
        f"#   members' arrivals: Poisson, {fit.arrival_rate_hz:.{DIGITS}g}/s {_ci(fit.arrival_ci)}",
        f"#   think time between a member's requests: exponential, mean {fit.think_s:.{DIGITS}g} s "
        f"{_ci(fit.think_ci)} from {fit.gaps:,} gaps",
        f"#   devices (from {fit.device_source}): " + "; ".join(
            f"{device} {share:.4f} {_ci(ci)}" for device, (share, ci) in fit.devices.items()),
        "# trace: the pool members draw their queries from, relative to the scenario's folder.",
        f"# provenance: {json.dumps(origin, sort_keys=True)}",
        "",
        "[[agents]]",
        'kind = "legit"',
        f"name = {json.dumps(name)}",
        f"count = {count}",
        f"trace = {json.dumps(trace)}",
        'sample = "bootstrap"',
        f'queries = {{dist = "lognormal", median = {_number(fit.median)}, '
        f"sigma = {_number(fit.sigma)}}}",
        f"hardware = {{{hardware}}}",
        f"arrival_rate_hz = {_number(fit.arrival_rate_hz)}",
        f"think_s = {_number(fit.think_s)}",
    ]
    return "\n".join(lines) + "\n"
