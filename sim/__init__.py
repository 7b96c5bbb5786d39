"""The per-account kernel: the SimPy simulation of accounts asking a PoW server for labels
(server, ledger, agents' stories), its vectorised twin for members with their own accounts,
the summary of a run, and the paper-mode replay and tables built on them."""
