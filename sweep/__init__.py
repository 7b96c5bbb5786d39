"""Sweeps: a grid over dotted scenario keys, every point x replication a dask task."""
