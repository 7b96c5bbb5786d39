"""All-or-nothing command outputs: check the destination first, stage every file, move them in.

A command that writes files (``--out``) works in three steps:

1. :func:`check_destination` before any work: ``--out`` must be creatable or writable and
   of the right kind (a file, or a folder), so that an hour of simulation never ends in
   "cannot write";
2. every file is written into a private temporary folder beside the destination
   (:class:`Staging`), under a name from :func:`safe_name` when it is built from data;
3. only when all are written are they moved into place (``os.replace``, one rename per
   file on the same file system). A failure or Ctrl-C before that leaves nothing behind.

Concurrent writers to the same destination: the moves of step 3 happen while holding an
exclusive lock (``fcntl.flock`` on ``.powsim-lock`` in the destination folder, removed
afterwards), so two runs writing the same ``--out`` at once each stay consistent: the
destination ends with the complete set of exactly one run (the later to finish), never a
mix of two.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from powsim import paths
from powsim.errors import InputError

Kind = Literal["file", "folder"]
MAX_NAME = 100
_SAFE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_NAME - 1}}}")
LOCK_NAME = ".powsim-lock"
SIDECAR_SUFFIX = ".provenance.json"


def safe_name(text: object, what: str, error: type[InputError] = InputError) -> str:
    """``text`` if it is a safe file-name part, else ``error`` naming ``what`` (with
    :class:`~powsim.errors.ParameterError`, ``what`` is a parameter as ``{name}``).

    Safe: 1 to 100 characters of ``A-Z a-z 0-9 . _ -``, not starting with '.', '_' or '-',
    so it can never leave its folder ('/', '..'), hide, or look like an option.
    """
    if not isinstance(text, str) or not _SAFE.fullmatch(text) or ".." in text:
        raise error(f"{what}: {text!r}, expected 1 to {MAX_NAME} characters of letters, "
                         "digits, '.', '_' and '-' starting with a letter or digit")
    return text


def sidecar_name(name: str) -> str:
    """The provenance sidecar of file ``name``: ``NAME.provenance.json``."""
    return name + SIDECAR_SUFFIX


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_destination(out: str | os.PathLike[str], kind: Kind, option: str = "--out",
                      names: tuple[str, ...] = (),
                      inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Refuse ``out`` (one line naming ``option``) unless a ``kind`` can be written there.

    ``names`` are the files a folder output will hold (or remove); none may be an existing
    folder or a special file. For a file output the same holds for it and its sidecar, and
    its name may neither end in '/' nor be a sidecar's. No output may be one of the
    ``inputs`` files (a folder among them stands for its files). See :mod:`powsim.paths`
    for the checks of the path itself. Returns ``out`` as a Path.
    """
    text = os.fspath(out)
    where = f"option {option}: {paths.shown(text)}"
    paths.check_text(text, where)
    path = Path(text)
    paths.check_links(path, where)
    paths.check_place(path, where)
    if kind == "file":
        if path.name in ("", ".", "..") or path.is_dir() or text.endswith(("/", "/.")):
            raise InputError(f"{where}: is a folder, expected a file name to write")
        if path.name.endswith(SIDECAR_SUFFIX):
            raise InputError(f"{where}: is the name of a provenance sidecar, expected a "
                             f"name not ending in {SIDECAR_SUFFIX}")
        folder, names = path.parent, (path.name, sidecar_name(path.name))
    else:
        if path.exists() and not path.is_dir():
            raise InputError(f"{where}: is a file, expected a folder to write into")
        folder = path
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise InputError(f"{where}: {existing} is a file, expected a folder above the output")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{where}: folder {existing} is not writable")
    for name in (*names, LOCK_NAME):
        paths.check_name(name, where)
        if (folder / name).is_dir():
            raise InputError(f"{where}: {folder / name} is a folder, expected a file name to write")
        paths.check_regular(folder / name, where)
    paths.check_not_inputs([folder / name for name in names], inputs, where)
    return path


class Staging:
    """The private temporary folder where one command's files are written before the move."""

    def __init__(self, root: Path, destination: Path) -> None:
        self.root, self.destination, self.names = root, destination, []
        self.retired: list[str] = []

    def path(self, name: str) -> Path:
        """Where to write the file that will become ``destination/name``; a name twice is refused."""
        if name in self.names:
            raise InputError(f"{self.destination / name}: two outputs of one run have this name, "
                             "expected distinct names")
        if Path(name).name != name or name in (".", ".."):
            raise InputError(f"{name!r}: expected a plain file name inside {self.destination}")
        self.names.append(name)
        return self.root / name

    def retire(self, *names: str) -> None:
        """Remove ``destination/NAME`` for each of ``names`` not staged, on commit: the files
        of another kind of run this output owns (a per-account run's events.parquet when a
        load run writes timeseries.parquet), so that no stale file is left beside new ones."""
        self.retired.extend(names)

    def commit(self) -> list[Path]:
        """Move every staged file into the destination, under the lock, and remove the retired
        ones. Returns the staged files' paths."""
        self.destination.mkdir(parents=True, exist_ok=True)
        with _locked(self.destination / LOCK_NAME):
            for name in self.names:
                os.replace(self.root / name, self.destination / name)
            for name in set(self.retired) - set(self.names):
                (self.destination / name).unlink(missing_ok=True)
        return [self.destination / name for name in self.names]


@contextlib.contextmanager
def staged(out: str | os.PathLike[str], kind: Kind) -> Iterator[Staging]:
    """Stage the files of output ``out`` (a ``kind``); move them in when the block succeeds.

    For a file output the destination is ``out``'s folder and the first staged name should
    be ``out``'s own name. Call :func:`check_destination` before the work, not here.
    """
    out = Path(out)
    destination = out.parent if kind == "file" else out
    anchor = _nearest_existing(destination)
    # a short prefix: a name near the 255-byte limit must still leave room for the suffix
    root = Path(tempfile.mkdtemp(prefix=f".{(out.name or 'out')[:40]}.powsim-", dir=anchor))
    try:
        staging = Staging(root, destination)
        yield staging
        staging.commit()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` (waiting for another writer); remove it after."""
    while True:
        handle = open(path, "a+b")
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()  # the previous holder removed it before we locked: take the new one
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        handle.close()
