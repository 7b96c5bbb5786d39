"""Every command says what it does, with an example."""

from __future__ import annotations

import argparse

import pytest

from powsim.cli import build_parser


def all_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_commands(sub, (*prefix, name))


@pytest.mark.parametrize("command", list(all_commands(build_parser())), ids=" ".join)
def test_help_text(capsys, command):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([*command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "example:\n  powsim" in text
    assert len(text.split("\n\n")[1].strip()) > 20  # a description, not just usage
