"""powsim: a discrete-event simulator of calibrated proof-of-work against model extraction.

The package follows the data flow of the design card: ``traces`` (per-query and
cumulative privacy-cost traces) feed ``calibrate`` (the legitimate reference and
timing model), which feed ``sim`` (paper-mode replay and the SimPy simulation).
"""

__version__ = "0.1.0"
