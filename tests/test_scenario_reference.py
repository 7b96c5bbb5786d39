"""docs/scenario-reference.md is the generator's output, and documents every key the parsers
accept (a key added to a parser without a meaning fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from powsim.model import load_parse, parse
from powsim.model.kinds import AGENT_KINDS
from powsim.model.reference import MEANINGS, reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario-reference.md"


def test_the_reference_is_in_sync_with_the_model():
    assert DOC.read_text() == reference(), "run: python -m powsim.model.reference > " + str(DOC)


def test_every_accepted_key_is_documented_with_its_default():
    text = reference()
    keys = (parse.DEFENSE_KEYS | parse._SERVER_KEYS | parse._HARDWARE_KEYS | load_parse._SERVER_KEYS
            | load_parse._DIFFICULTY_KEYS | load_parse._LOAD_KEYS
            | {key for kind in AGENT_KINDS.values() for key in kind.keys})
    assert keys <= {key.split(".")[-1] for key in MEANINGS}
    for key in keys:
        assert f"| `{key}` |" in text, key
    # Defaults come from the model, not from the text: a changed default changes the doc.
    assert "| `sub_solutions` | solutions a puzzle requires | `1` |" in text
    assert "| `timeout_s` | seconds a request waits for service before its client retries | `30.0` |" in text


def test_an_undocumented_key_fails(monkeypatch):
    monkeypatch.setattr(parse, "DEFENSE_KEYS", parse.DEFENSE_KEYS | {"shiny"})
    with pytest.raises(KeyError, match="shiny"):
        reference()
