"""The PoW server inside the simulation: ledger, difficulty, challenges, workers."""
