"""Requests under load: open arrivals, botnets, load-driven difficulty, an effort-ordered queue."""
