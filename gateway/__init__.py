"""A real proof-of-work gateway in front of the Fashion-MNIST victim (Starlette on uvicorn):
the simulator's scenario, policy and HashCash serving real clients."""
