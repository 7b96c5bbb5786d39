"""Privacy-cost traces: the format, importers for cumulative curves, and their generation."""
