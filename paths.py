"""What makes a path safe to write to, checked before any work: its text, its links, the kind
of file already there, and the command's inputs.

:func:`~powsim.outputs.check_destination` calls :func:`check_output_paths` so that every
``--out`` is refused in one line up front (never after an hour of work with a traceback):

- the text: empty, a control character (a newline, a tab), a name longer than the file
  system's 255 bytes, or a whole path longer than 4,095 bytes;
- the links: a symbolic link (the path or a folder above it) that leads nowhere, or a loop;
- the place: /proc, /sys and /dev (but /dev/shm) are virtual file systems, not disks;
- the kind: a character or block device, a FIFO or a socket is never replaced nor written
  through, only a regular file;
- the inputs: an output that is one of the command's input files (the same inode, whatever
  the spelling) would destroy what it reads.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from powsim.errors import InputError

NAME_MAX = 255  # bytes of one path component (ext4, xfs, btrfs, tmpfs)
PATH_MAX = 4095  # bytes of a whole path
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_VIRTUAL = ("/proc", "/sys", "/dev")
_DISK_UNDER_VIRTUAL = ("/dev/shm",)
_SPECIAL = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
            (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def shown(text: str, limit: int = 120) -> str:
    """``text`` as one line in a message: quoted when it holds a control character, and cut
    to ``limit`` characters (with '...') when longer."""
    line = repr(text) if _CONTROL.search(text) else text
    return line if len(line) <= limit else line[:limit] + "..."


def check_text(text: str, where: str) -> None:
    """Refuse a path text that is empty, holds a control character, or is too long."""
    if text == "":
        raise InputError(f"{where}: empty, expected a path")
    if _CONTROL.search(text):
        raise InputError(f"{where}: holds a control character (newline, tab, ...), "
                         "expected a path of printable characters")
    if len(os.fsencode(text)) > PATH_MAX:
        raise InputError(f"{where}: {len(os.fsencode(text)):,} bytes, expected a path "
                         f"of at most {PATH_MAX:,}")
    for part in Path(text).parts:
        check_name(part, where)


def check_name(name: str, where: str) -> None:
    """Refuse a file name longer than :data:`NAME_MAX` bytes."""
    size = len(os.fsencode(name))
    if size > NAME_MAX:
        raise InputError(f"{where}: a name of {size:,} bytes, expected at most "
                         f"{NAME_MAX} bytes per name")


def check_links(path: Path, where: str) -> None:
    """Refuse ``path`` when it, or a folder above it, is a symbolic link that leads nowhere."""
    for candidate in (path, *path.parents):
        if candidate.is_symlink():
            try:
                os.stat(candidate)
            except OSError as err:
                raise InputError(f"{where}: {candidate} is a symbolic link that leads nowhere "
                                 f"({err.strerror.lower()}), expected an existing target or "
                                 "no link") from None


def check_place(path: Path, where: str) -> None:
    """Refuse a path inside a virtual file system (/proc, /sys, /dev but /dev/shm)."""
    resolved = os.path.realpath(path)
    for root in _VIRTUAL:
        inside = resolved == root or resolved.startswith(root + "/")
        if inside and not any(resolved.startswith(disk) for disk in _DISK_UNDER_VIRTUAL):
            raise InputError(f"{where}: is inside {root}, a virtual file system, expected a "
                             "path on a disk")


def check_regular(path: Path, where: str) -> None:
    """Refuse ``path`` when something other than a regular file or a folder is there."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    for test, kind in _SPECIAL:
        if test(mode):
            raise InputError(f"{where}: {path} is {kind}, expected a regular file or a new "
                             "name (powsim never writes through a special file)")


def input_files(inputs: Iterable[str | os.PathLike[str]]) -> dict[tuple[int, int], Path]:
    """The existing files among ``inputs`` (a folder stands for the files directly in it),
    keyed by (device, inode)."""
    files: dict[tuple[int, int], Path] = {}
    for given in inputs:
        path = Path(given)
        try:
            members = list(path.iterdir()) if path.is_dir() else [path]
        except OSError:
            continue
        for member in members:
            try:
                info = os.stat(member)
            except (OSError, ValueError):
                continue
            if stat.S_ISREG(info.st_mode):
                files[(info.st_dev, info.st_ino)] = member
    return files


def check_not_inputs(outputs: Iterable[Path], inputs: Iterable[str | os.PathLike[str]],
                     where: str) -> None:
    """Refuse when one of ``outputs`` is one of the ``inputs`` files (see :func:`input_files`)."""
    files = input_files(inputs)
    for output in outputs:
        try:
            info = os.stat(output)
        except (OSError, ValueError):
            continue
        source = files.get((info.st_dev, info.st_ino))
        if source is not None:
            raise InputError(f"{where}: would overwrite {output}, an input of this command "
                             f"({source}), expected an output apart from the inputs")
