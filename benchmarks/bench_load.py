"""The large-botnet scenario in powsim against Tor's effort_sim.py, timed in the same run.

    .venv/bin/python benchmarks/bench_load.py

Both run examples/tor-large-botnet.toml's scenario (100,000 machines at 1,000 hashes/s, up to
3,200 requests/s, attack from 150 s to 7,350 s, 9,000 s in all): effort_sim as shipped (it runs
this scenario by default; read in place from ../shared), powsim in expected mode. Each runs in
its own process, which reports its wall and CPU seconds (the ratio that matters on a shared
machine: CPU seconds, imports included, powsim's imports also apart) and peak resident memory,
and the machine's load average around the run (the machine is shared). Goal (issue 21): powsim
3x faster than effort_sim in CPU seconds, at most today's peak memory; moonshot 10x.

What powsim aggregates: a botnet is one process emitting one queue entry per tick holding all
that tick's requests (count and effort), so the 2.7 million attacker requests cost ~7,200
entries; with fixed service a worker serves a run of one entry's requests in one step when no
other event falls in between. Legitimate clients (one-shot, retrying) stay individual.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from tor_peer import PeerScenario, mean_ttc, patched_source  # noqa: E402

_REPORT = "import json, resource, sys, time\n"
_POWSIM = textwrap.dedent(f"""
    start = time.perf_counter()
    from powsim.load.engine import LoadRun
    from powsim.load.metrics import clients_frame
    from powsim.model.load_parse import load_load_scenario
    imported = time.process_time()
    scenario = load_load_scenario({str(REPO / "examples" / "tor-large-botnet.toml")!r})
    record = LoadRun(scenario).run()
    wall = time.perf_counter() - start
    clients = clients_frame(record)
    during = clients[clients["connected"] & (clients["end_s"] >= 150) & (clients["end_s"] < 7351)]
    attackers = int(record.counts[0, len(scenario.streams):].sum())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({{"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "import_cpu_s": imported,
                      "ttc_s": during["ttc_s"].mean(), "attacker_requests": attackers,
                      "peak_mib": usage.ru_maxrss / 1024}}), file=sys.stderr)
""")


def _run(code: str) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def main() -> None:
    peer_code = _REPORT + "start = time.perf_counter()\n" + patched_source(PeerScenario(100_000)) + (
        "\nusage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(json.dumps({'wall_s': time.perf_counter() - start, 'cpu_s': usage.ru_utime + "
        "usage.ru_stime, 'peak_mib': usage.ru_maxrss / 1024}), file=sys.stderr)\n")
    load_before = os.getloadavg()
    ours, _ = _run(_REPORT + _POWSIM)
    theirs, output = _run(peer_code)
    load_after = os.getloadavg()
    import pandas as pd
    from io import StringIO
    table = pd.read_csv(StringIO(output), sep=" ", header=None, na_values="?",
                        names=["tick", "effort", "queue", "handled", "ttc_s"])
    print("large botnet, 100,000 machines, 9,000 simulated seconds; load average (1, 5, 15 min) "
          f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after, on {os.cpu_count()} CPUs")
    for name, figures in (("powsim", ours), ("effort_sim", theirs)):
        print(f"  {name:<11}: {figures['wall_s']:7.2f} s wall, {figures['cpu_s']:7.2f} s CPU, "
              f"peak {figures['peak_mib']:5.0f} MiB")
    print(f"  (powsim's start-up and imports: {ours['import_cpu_s']:.2f} s CPU of its {ours['cpu_s']:.2f} s)")
    print(f"  mean TTC during the attack: powsim {ours['ttc_s']:.1f} s, effort_sim {mean_ttc(table):.1f} s; "
          f"powsim's attacker requests: {ours['attacker_requests']:,}")
    print(f"  speed-up   : {theirs['cpu_s'] / ours['cpu_s']:.2f}x in CPU seconds, "
          f"{theirs['wall_s'] / ours['wall_s']:.2f}x in wall seconds (goal 3x, moonshot 10x)")


if __name__ == "__main__":
    main()
