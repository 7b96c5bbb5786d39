"""The scenario reference: every key a scenario file may hold, what it means (with its unit),
its default and the kernels that read it, generated from the parsers' key sets and the
model's dataclasses (``docs/scenario-reference.md`` is this module's output; a test keeps
them in sync, and fails on a key the parsers accept that has no meaning written here)."""

from __future__ import annotations

import dataclasses
import math

from powsim.calibrate.charge import ChargeParameters
from powsim.hashcash.families import FAMILIES, Sha256
from powsim.hashcash.hardware import DEFAULT_PROFILE, Hardware
from powsim.model import load_parse, parse
from powsim.model.kinds import AGENT_KINDS
from powsim.model.load import Botnet, DifficultyRule, LoadServer, Sessions, Stream
from powsim.model.scenario import AgentSpec, DefenseConfig, ServerConfig

# What each key means, with its unit; "TABLE.key" where a key means something else there.
MEANINGS = {
    "a": "the charge's base: a^\\|diff\\| seconds per 1,000 queries", "accounting":
    "'account' (each account its own ledger) or 'group' (a ring's accounts share one)",
    "link_probability": "chance that group accounting links a ring (0 to 1)",
    "max_bits": "largest puzzle difficulty (bits)", "max_s": "largest charge (seconds per 1,000 queries)",
    "min_s": "smallest charge (seconds per 1,000 queries)",
    "policy": "per-account difficulty policy (difficulty/policies.py: paper, one-sided, rdp)",
    "puzzle": "puzzle family (hashcash/families/: sha256, argon2id, scrypt)",
    "memory_kib": "argon2id memory (KiB)", "iterations": "argon2id passes",
    "parallelism": "argon2id lanes", "n": "scrypt CPU/memory cost (a power of 2)",
    "r": "scrypt block size", "p": "scrypt parallelism",
    "queries_per_puzzle": "queries answered per puzzle (absent: the trace's batches)",
    "rdp_orders": "RDP order grid of the rdp policy ('paper' or 'extended')",
    "reference": "the legitimate reference trace (path relative to the scenario)",
    "reference_hash_rate": "hash rate of the client the defense is tuned for (hashes/s)",
    "sub_solutions": "solutions a puzzle requires",
    "cost_s": "cost-estimation seconds per batch (absent: the trace's)",
    "cost_workers": "cost-estimation workers (0: the inference worker does it too)",
    "inference_s": "inference seconds per batch (absent: the trace's)",
    "service": "service times 'fixed' or 'exponential'", "verify_s": "seconds to verify a solution",
    "workers": "workers serving batches (requests under load)",
    "server.inference_s": "inference seconds per request (with cost_s: one request's service)",
    "admission": "'puzzle-first' (pay, then queue) or 'cost-first' (the paper's order)",
    "admission_workers": "workers verifying solutions", "hardware":
    "a [hardware] profile name (or, for legit, attacker and stream, a mix {NAME = share})",
    "server.hardware": "profile whose price per hour is one worker's cost",
    "queue_capacity": "requests the queue holds (absent: unbounded)",
    "combine": "'max' or 'sum' of the account's charge and the load's effort (hashes)",
    "min_effort": "smallest published effort (hashes)",
    "rule": "load rule (difficulty/load_rules.py: none, tor-v1, tor-v2, tor-v3)",
    "update_s": "seconds between published efforts",
    "duration_s": "length of the run (s)", "tick_s": "seconds between a botnet's submissions",
    "warmup_s": "seconds discarded from steady-state figures (absent: MSER-5's)",
    "hash_rate_hz": "trials per second of one solver (hashes/s)",
    "price_per_hour_usd": "rent of one device (US$/h)", "watts": "power draw (W)",
    "kind": "the agent kind (model/kinds.py)", "name": "the agent's name in outputs",
    "trace": "the agent's queries (a trace, path relative to the scenario)",
    "solvers": "parallel solvers per actor", "start_s": "when the agent starts (s)",
    "end_s": "when the agent stops (s)", "count": "independent members",
    "think_s": "mean pause before each batch (s)",
    "arrival_rate_hz": "members arrive as a Poisson stream at this rate (1/s)",
    "sample": "'replay' (the trace) or 'bootstrap' (queries drawn from a pool)",
    "queries": "queries per member: a number or a law {dist = ...} (bootstrap)",
    "accounts": "accounts of the one actor", "signup_bits": "signup puzzle per account (bits)",
    "signup_usd": "signup fee per account (US$)", "actors": "colluding actors",
    "cover": "in-distribution cover trace", "cover_per_batch": "cover queries per attack batch",
    "max_diff": "largest charged distance the adaptive attacker allows itself",
    "rate_hz": "arrivals per second (1/s)", "stream.queries": "queries per request",
    "sessions.queries": "queries per request", "botnet.queries": "queries per request",
    "timeout_s": "seconds a request waits for service before its client retries",
    "retry": "'double-effort' or 'none'", "max_retries": "retries before a client gives up",
    "on_expiry": "'retry' or 'lost': whether an expired request's client reconnects",
    "machines": "the botnet's machines", "strategy": "'sustained' or 'precomputed'",
    "max_rate_hz": "the botnet's largest submission rate (requests/s)",
    "role": "'legit' or 'attacker': whose figures the sessions are",
    "sessions.accounts": "members (each its own account), or the ring's accounts",
    "ring": "one actor spreading its trace over its accounts (true) or independent members",
    "requests": "requests per member or ring (absent: the whole trace)",
    "sessions.think_s": "mean pause before each request after the first (s)",
    "sessions.rate_hz": "members' arrivals per second (absent: all at start_s) (1/s)",
}
# The dataclass (and field, where its name differs) whose default a key takes.
DEFAULTS = {"defense": (DefenseConfig, {"reference_hash_rate": None}), "server": (ServerConfig, {}),
            "hardware": (Hardware, {}), "load server": (LoadServer, {}),
            "difficulty": (DifficultyRule, {}), "stream": (Stream, {}), "botnet": (Botnet, {}),
            "sessions": (Sessions, {}), "agent": (AgentSpec, {})}


def _family_defaults() -> dict[str, object]:
    """The defense keys whose defaults live elsewhere: the charge's parameters, the puzzle
    family's name and each family's parameters."""
    charge = ChargeParameters()
    values = {"a": charge.a, "min_s": charge.min_seconds, "max_s": charge.max_seconds,
              "puzzle": Sha256.name}
    for family in FAMILIES.values():
        values.update({f.name: f.default for f in dataclasses.fields(family)})
    return values


def _default(table: str, key: str) -> str:
    """The dataclass default of ``key`` in ``table``, or '' when required or computed."""
    if table == "defense" and key in _family_defaults():
        value = _family_defaults()[key]
        return f"`{value!r}`" if isinstance(value, str) else f"`{value:g}`"
    if key == "hardware" and table not in ("hardware", "load server"):
        return f"`{DEFAULT_PROFILE!r}`"
    cls, renamed = DEFAULTS.get(table, DEFAULTS["agent"])
    name = renamed.get(key, key)
    field = next((f for f in dataclasses.fields(cls) if f.name == name), None)
    if field is None or field.default is dataclasses.MISSING:
        return ""
    value = field.default
    if isinstance(value, float) and math.isinf(value):
        return "unbounded"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return "" if value is None else f"`{value!r}`" if isinstance(value, str) else f"`{value}`"


def _meaning(table: str, key: str) -> str:
    """``key``'s meaning in ``table`` (KeyError when none is written)."""
    return MEANINGS.get(f"{table.split()[-1]}.{key}", MEANINGS.get(key)) or MEANINGS[key]


def _section(title: str, table: str, keys: set[str], engines: str) -> list[str]:
    rows = [f"## {title}", "", f"Read by: {engines}.", "", "| key | meaning | default |",
            "|---|---|---|"]
    rows += [f"| `{key}` | {_meaning(table, key)} | {_default(table, key)} |" for key in sorted(keys)]
    return rows + [""]


def reference() -> str:
    """The scenario reference as Markdown."""
    lines = ["# Scenario reference", "",
             "Generated by `python -m powsim.model.reference > docs/scenario-reference.md` from the "
             "parsers' key sets and the model's dataclasses; `tests/test_scenario_reference.py` "
             "keeps it in sync. Units are in each key's name or meaning; a blank default means "
             "required or computed (see `docs/simulation.md`, `docs/capacity.md`).", ""]
    lines += _section("[defense]", "defense", parse.DEFENSE_KEYS, "both kernels")
    lines += _section("[server] (per-account scenarios)", "server", parse._SERVER_KEYS,
                      "the per-account kernel")
    lines += _section("[server] (load scenarios)", "load server", load_parse._SERVER_KEYS,
                      "the load kernel")
    lines += _section("[difficulty]", "difficulty", load_parse._DIFFICULTY_KEYS, "the load kernel")
    lines += _section("[load]", "load", load_parse._LOAD_KEYS, "the load kernel")
    lines += _section("[hardware.NAME]", "hardware", parse._HARDWARE_KEYS, "both kernels")
    for name, kind in AGENT_KINDS.items():
        table = name if kind.engine == "load" else "agent"
        lines += _section(f"[[agents]] kind = \"{name}\"", table, set(kind.keys),
                          f"the {kind.engine} kernel")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
