"""The numbers the README quotes are what its commands print (paper mode, MNIST curves)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

README = Path(__file__).resolve().parents[1] / "README.md"


def _table(cli, curves: Path, *options: str) -> pd.DataFrame:
    result = cli("table", "--traces", curves, "--mode", "paper", "--dataset", "mnist",
                 "--format", "csv", *options)
    assert result.code == 0, result.err
    return pd.read_csv(io.StringIO(result.out))


def test_the_time_pow_numbers_quoted_are_printed(cli, paper_curves):
    text = " ".join(README.read_text().split())
    quoted = {name.lower(): float(value) for name, value in re.findall(
        r"(standard|AdaptiveKnockoff|Jacobian|DataFree) ([\d.]+)", text)}
    assert len(quoted) == 4
    last = _table(cli, paper_curves).set_index("attack")["time_pow_s"]
    names = {"adaptiveknockoff": "adaptiveknockoff", "datafree": "data-free",
             "jacobian": "jacobian", "standard": "standard"}
    for name, value in quoted.items():
        assert abs(last[names[name]] - value) <= 0.001 * value, (name, last[names[name]], value)
    curve = _table(cli, paper_curves, "--curve")
    copycat = curve[(curve["attack"] == "copycat")].set_index("queries")["time_pow_s"]
    assert "`--curve` prints 21283 s" in text and round(copycat[10_000]) == 21283
    assert "last row printed is 24239 s" in text and round(last["copycat"]) == 24239
