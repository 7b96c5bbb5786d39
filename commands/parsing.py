"""The command line's building blocks: one-line errors, commands and command groups."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

from powsim import options
from powsim.errors import InputError

MAX_JOBS = 1024

Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every powsim error is."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')")


def command(subparsers: argparse._SubParsersAction, name: str, summary: str, example: str,
            handler: Handler) -> argparse.ArgumentParser:
    """Add command ``name``: its first clause of ``summary`` in the list, the whole in --help."""
    headline = re.split(r"[.:;]\s+(?=[A-Za-z(])", summary, maxsplit=1)[0]
    parser = subparsers.add_parser(
        name, help=headline.replace("%", "%%"), description=summary, epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=handler)
    return parser


def group(subparsers: argparse._SubParsersAction, name: str, summary: str, example: str
          ) -> argparse._SubParsersAction:
    """Add command group ``name`` (alone, it refuses with its usage); returns its subparsers."""
    parser = subparsers.add_parser(
        name, help=summary, description=summary, epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=lambda args: usage(parser))
    return parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)


def usage(parser: argparse.ArgumentParser) -> int:
    """For a command given without its subcommand: its usage and one error line on standard
    error; exit status 2."""
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: a command is required (see '{parser.prog} --help')", file=sys.stderr)
    return 2



def add_set_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--set KEY=VALUE`` (repeatable): a scenario value overridden by its dotted key."""
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a scenario value by its dotted key (defense.a=1.01, "
                             "server.workers=4, agents.0.hardware=gpu); repeatable (default: none)")


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--progress`` and ``--quiet`` (dest ``progress``, see :mod:`powsim.progress`)."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--progress", dest="progress", action="store_const", const=True,
                        help="show progress on standard error even when it is not a terminal "
                             "(default: only on a terminal)")
    choice.add_argument("--quiet", dest="progress", action="store_const", const=False,
                        help="never show progress")


def add_limits_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-limits``: run even what :mod:`powsim.budget` estimates at over an hour or
    over half of this machine's memory."""
    parser.add_argument("--no-limits", dest="limits", action="store_false",
                        help="run even when the work is estimated at over an hour or over half "
                             "of this machine's memory (default: refuse such runs up front)")


def check_executor_options(args: argparse.Namespace) -> None:
    """Before any work: ``--jobs`` fits this machine (:func:`powsim.budget.
    check_local_workers`) and ``--scheduler``, when given, is a dask scheduler that answers
    (:func:`powsim.sweep.executor.probe_scheduler`)."""
    from powsim.budget import check_local_workers

    check_local_workers(args.jobs, args.limits)
    if args.scheduler is not None:
        from powsim.sweep.executor import probe_scheduler

        probe_scheduler(args.scheduler)


def add_executor_options(parser: argparse.ArgumentParser, serial: bool = False) -> None:
    """Add ``--scheduler ADDRESS`` and ``--jobs N`` (``--dask-workers``, its former name, still
    taken): where the command's runs go
    (:func:`powsim.sweep.executor.open_executor`); with ``serial``, in this process unless
    told otherwise (for commands whose default work is too small to pay a cluster's start)."""
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing dask cluster (tcp://HOST:8786) instead of "
                             "worker processes on this machine; its workers need powsim and the "
                             "scenario's files at the same paths")
    parser.add_argument("--jobs", "--dask-workers", dest="jobs", metavar="N",
                        type=options.integer(0, MAX_JOBS), default=0 if serial else None,
                        help="worker processes on this machine, forked from this one (default: "
                             f"{'0' if serial else 'one per core'}; 0 runs the tasks serially "
                             "in this process; --dask-workers is its former name)")
