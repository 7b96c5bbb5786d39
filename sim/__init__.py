"""The simulation core: paper-mode replay, policies, the SimPy simulation and the table builder."""
