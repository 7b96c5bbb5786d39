"""Privacy-cost traces: the format, importers for cumulative curves, the PATE analysis and
summaries (no torch needed); their generation with torch lives in ``generate/``."""
