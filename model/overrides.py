"""Dotted-key overrides of a scenario: ``defense.a=1.01``, ``agents.0.hardware=gpu``.

A key names a path in the scenario's TOML (``agents.N`` is the N-th ``[[agents]]`` entry,
counted from 0); a value is read as a TOML value (``1.01``, ``"paper"``, ``{gpu = 1}``), and a
bare word that is not TOML (``gpu``, ``one-sided``) as a string. Overrides are applied to the
TOML as read, before validation, so an overridden value is checked exactly as if it had been
written in the file. Below a valid key, a path may go on into a table the file already holds
(``agents.0.queries.median``).
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from typing import NamedTuple

from powsim.errors import InputError, ParameterError


class Override(NamedTuple):
    """Set the scenario's dotted ``key`` to ``value`` (a TOML value: number, string, table...)."""

    key: str
    value: object


def parse_value(text: str) -> object:
    """``text`` as a TOML value, or as a plain string when it is not one."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def parse_override(text: str, option: str = "overrides") -> Override:
    """``KEY=VALUE`` from the command line; errors name parameter ``option``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ParameterError(f"{{{option}}}: {text!r}, expected KEY=VALUE (e.g. defense.a=1.01)")
    return Override(key.strip(), parse_value(value.strip()))


def check_key(key: str, valid: list[str], data: dict | None = None, where: str = "") -> None:
    """Raise one line listing the valid keys unless ``key`` is one of ``valid`` or goes on
    into a table that ``data`` holds below one of them."""
    if key in valid:
        return
    known = next((v for v in valid if key.startswith(v + ".")), None)
    if known is not None and data is not None:
        node = _walk(data, known.split("."))
        for part in key[len(known) + 1:].split(".")[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            return
    def likeness(candidate: str) -> tuple[float, str]:
        return -difflib.SequenceMatcher(None, key, candidate).ratio(), candidate

    nearest = sorted(valid, key=likeness)[:3]  # ties alphabetically
    raise InputError(f"{where}override {key!r}: unknown key, expected one of the scenario's "
                     f"{len(valid)} keys, e.g. {', '.join(nearest)}")


def apply_overrides(data: dict, overrides: list[Override] | tuple[Override, ...],
                    valid: list[str], source: str) -> None:
    """Set each override in the scenario ``data`` (in place; nested tables are copied first so
    that ``data`` shares nothing with the caller's values)."""
    for key, value in overrides:
        check_key(key, valid, data, f"{source}: ")
        parts = key.split(".")
        node = _walk(data, parts[:-1], create=True)
        if not isinstance(node, (dict, list)):
            raise InputError(f"{source}: override {key!r}: {'.'.join(parts[:-1])} is "
                             f"{node!r}, expected a table to set {parts[-1]!r} in")
        node[parts[-1]] = copy.deepcopy(value)


def _walk(data: dict, parts: list[str], create: bool = False) -> object:
    """The node at ``parts`` below ``data`` (list items by index); with ``create``, missing
    tables on the way are made."""
    node: object = data
    for part in parts:
        if isinstance(node, list):
            node = node[int(part)]
        elif create and isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            node = node.get(part) if isinstance(node, dict) else None
    return node
