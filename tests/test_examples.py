"""Each example's header states a result; run the example as its header says and check it.

The figures quoted in the headers are expected-mode (deterministic) outputs; the checks
below allow for rounding in the prose, and for the variants a header mentions ("set
link_probability = 0.0", "with workers = 2") they run the edited scenario.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO

EXAMPLES = REPO / "examples"


def simulate(cli, tmp_path: Path, name: str, edit: tuple[str, str] | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the example's header command (edited by ``edit`` = (old, new)); (summary, events)."""
    text = (EXAMPLES / name).read_text()
    command = re.search(r"#\s+(powsim simulate \S+ --out \S+.*)", text).group(1).split()
    assert command[2] == f"examples/{name}" and "--mode" not in command, command
    if edit is not None:
        assert edit[0] in text, edit
        text = text.replace(*edit)
    scenario = tmp_path / name
    scenario.parent.mkdir(parents=True, exist_ok=True)
    scenario.write_text(text.replace('"../traces/', f'"{REPO}/traces/'))
    result = cli("simulate", scenario, "--out", tmp_path / "out")
    assert result.code == 0, result.err
    return (pd.read_csv(tmp_path / "out" / "summary.csv").set_index("agent"),
            pd.read_parquet(tmp_path / "out" / "events.parquet"))


def test_every_example_has_a_result_in_its_header_and_a_check_here():
    names = sorted(path.name for path in EXAMPLES.glob("*.toml"))
    assert names == sorted(CHECKED + list(CHECKED_ELSEWHERE))
    for test_file in set(CHECKED_ELSEWHERE.values()):
        assert (Path(__file__).parent / test_file).is_file()
    for name in names:
        header = "".join(line for line in (EXAMPLES / name).read_text().splitlines(True)
                         if line.startswith("#"))
        assert "Result" in header and "issue" not in header.lower(), name


def test_adaptive(cli, tmp_path):
    summary, events = simulate(cli, tmp_path, "adaptive.toml")
    plain = summary.loc["plain", "hashes"]
    assert plain / summary.loc["cover-worstcase", "hashes"] == pytest.approx(16, rel=0.05)
    assert summary.loc["cover-standard", "hashes"] / plain == pytest.approx(2.8, rel=0.05)
    assert events.loc[events["agent"] == "cover-worstcase", "cover"].any()


def test_rdp(cli, tmp_path):
    summary, _ = simulate(cli, tmp_path, "rdp.toml")
    assert summary.loc["knockoff", "hashes"] > 700 * summary.loc["user", "hashes"]
    assert summary.loc["user", "overhead"] < 1.6
    paper_a, _ = simulate(cli, tmp_path / "paper-a", "rdp.toml", ("a = 1.5", "a = 1.0075"))
    assert paper_a.loc["knockoff", "hashes"] == paper_a.loc["user", "hashes"]


def test_sybil_vs_group(cli, tmp_path):
    linked_half, _ = simulate(cli, tmp_path, "sybil-vs-group.toml")
    never, _ = simulate(cli, tmp_path / "never", "sybil-vs-group.toml",
                        ("link_probability = 0.5", "link_probability = 0.0"))
    alone = linked_half.loc["one-account"]
    assert alone["hashes"] == pytest.approx(1.7e9, rel=0.01)
    assert alone["overhead"] == pytest.approx(140, rel=0.01)
    assert never.loc["ring", "hashes"] < 0.04 * alone["hashes"]
    assert linked_half.loc["ring", "hashes"] / alone["hashes"] == pytest.approx(0.53, abs=0.03)


def test_quickstart(cli, tmp_path):
    summary, _ = simulate(cli, tmp_path, "quickstart.toml")
    users, ring = summary.loc["legit-1"], summary.loc["sybil-2"]
    assert users["overhead"] == pytest.approx(1.5, abs=0.05)
    assert 1 <= ring["overhead"] < 1.01
    assert ring["hashes"] / ring["queries"] <= users["hashes"] / users["queries"]


def test_colluders(cli, tmp_path):
    summary, _ = simulate(cli, tmp_path, "colluders.toml")
    alone, gang = summary.loc["alone"], summary.loc["gang"]
    assert alone["wall_s"] == pytest.approx(2437, rel=0.001)
    assert gang["wall_s"] == pytest.approx(4, rel=0.05)
    assert gang["hashes"] < 0.01 * alone["hashes"]


def test_capacity(cli, tmp_path):
    _, four = simulate(cli, tmp_path, "capacity.toml")
    _, two = simulate(cli, tmp_path / "two", "capacity.toml", ("workers = 4", "workers = 2"))
    assert (four["queue_s"] > 1e-9).mean() > 0.5
    assert four["queue_s"].mean() == pytest.approx(7.5, abs=0.1)
    assert two["queue_s"].mean() == pytest.approx(29, abs=0.5)


CHECKED = ["adaptive.toml", "rdp.toml", "sybil-vs-group.toml", "quickstart.toml",
           "colluders.toml", "capacity.toml"]
CHECKED_ELSEWHERE = {"capacity-under-attack.toml": "test_load_capacity.py",
                     "tor-small-botnet.toml": "test_load_tor.py",
                     "tor-large-botnet.toml": "test_load_tor.py",
                     "tor-precomputed.toml": "test_load_tor.py",
                     "what-if-a.toml": "test_population.py"}
