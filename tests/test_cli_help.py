"""Every command says what it does, with an example."""

from __future__ import annotations

import argparse

import pytest

from powsim.cli import build_parser


def commands_and_parsers(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands_and_parsers(sub, (*prefix, name))


@pytest.mark.parametrize("command", [c for c, _ in commands_and_parsers(build_parser())], ids=" ".join)
def test_help_text(capsys, command):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([*command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "example:\n  powsim" in text
    assert len(text.split("\n\n")[1].strip()) > 20  # a description, not just usage



def test_every_option_with_a_default_states_it():
    missing = [f"{' '.join(command)} {action.option_strings[0]}"
               for command, parser in commands_and_parsers(build_parser())
               for action in parser._actions
               if action.option_strings and action.default not in (None, False, argparse.SUPPRESS)
               and "default" not in (action.help or "")]
    assert missing == []
