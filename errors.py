"""The one exception type for bad input."""


class InputError(ValueError):
    """Bad input from a user: a file, a field or an option that is not as expected.

    The message names the file (or option), the field and what was expected; the
    command line prints it as one line and exits with status 2.
    """
