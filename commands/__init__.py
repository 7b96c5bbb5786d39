"""The ``powsim`` command groups and the parser helpers they share; ``cli.py`` assembles them."""
