"""Statistics shared by every kernel's results: confidence intervals over replications."""
