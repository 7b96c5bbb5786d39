"""``capacity --vary``: the workers an SLO needs against an assumption (the botnet's rate),
read from each value's own capacity table, and bad input refused before any run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from powsim.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "capacity-under-attack.toml"
SLO = "legit.ttc_p95<=5"


@pytest.fixture
def short(tmp_path: Path) -> Path:
    """The example cut to 240 s (30 s warm-up), the flood to its end."""
    path = tmp_path / "short.toml"
    path.write_text(EXAMPLE.read_text().replace("duration_s = 900.0", "duration_s = 240.0")
                    .replace("warmup_s = 120.0", "warmup_s = 30.0")
                    .replace("end_s = 900.0", "end_s = 240.0")
                    .replace('"../traces/', f'"{EXAMPLE.parent.parent}/traces/'))
    return path


def test_workers_needed_rise_with_the_botnets_rate(short, tmp_path, capsys):
    out = tmp_path / "vary"
    assert main(["capacity", str(short), "--slo", SLO, "--workers", "1:4", "--replications", "3",
                 "--vary", "agents.1.max_rate_hz=1,12", "--out", str(out),
                 "--jobs", "0"]) == 0
    printed = capsys.readouterr().out
    answers = pd.read_csv(out / "capacity-vary.csv")
    table = pd.read_parquet(out / "capacity.parquet")
    assert answers["varied_value"].tolist() == [1, 12]
    # Each answer is the fewest workers whose whole CI meets the SLO, read from the interval.
    for value, needed in zip(answers["varied_value"], answers["workers_needed"]):
        rows = table[table["varied_value"] == value].set_index("workers")
        assert needed == rows.index[rows["ci_high"] <= 5.0].min()
    # A flood 12 times faster needs more workers (measured: 2 at 1/s, 4 at 12/s).
    assert answers["workers_needed"].tolist() == [2, 4]
    assert "against agents.1.max_rate_hz" in printed
    origin = json.loads((out / "capacity-vary.csv.provenance.json").read_text())
    assert origin["vary"] == "agents.1.max_rate_hz=1,12"
    assert (out / "capacity-vary.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "capacity-vary.html").read_text().count("cdn.jsdelivr") == 0


@pytest.mark.parametrize("vary, message", [("agents.1.max_rate_hx=1,2", "unknown"),
                                           ("agents.1.max_rate_hz=", "--vary")])
def test_a_bad_vary_fails_in_one_line_before_any_run(short, tmp_path, capsys, vary, message):
    out = tmp_path / "never"
    assert main(["capacity", str(short), "--slo", SLO, "--workers", "1:2", "--vary", vary,
                 "--out", str(out), "--jobs", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()
