"""The exception types for bad input."""

from __future__ import annotations

import re
from collections.abc import Callable

_PARAMETER = re.compile(r"\{(\w+)\}")


class InputError(ValueError):
    """Bad input from a user: a file, a field or an option that is not as expected.

    The message names the file (or parameter), the field and what was expected; the
    command line prints it as one line and exits with status 2.
    """


class ParameterError(InputError):
    """A bad value of a library function's parameter.

    ``template`` names parameters as ``{name}`` (the library's own names); ``str()`` shows
    those names and :meth:`renamed` a front end's, e.g. ``cli.py``'s option names.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        super().__init__(self.renamed(str))

    def renamed(self, rename: Callable[[str], str]) -> str:
        """The message with each ``{name}`` replaced by ``rename(name)``."""
        return _PARAMETER.sub(lambda match: rename(match[1]), self.template)
