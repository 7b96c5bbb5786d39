"""Where the generator runs: one code path for CPU and CUDA, and what each makes reproducible.

``--device auto`` is CUDA when torch sees a GPU, else CPU; ``cuda`` without a GPU is refused
before any data is loaded. Data, models and their answers live on the device; they come
back to the CPU only where numpy needs them (the PATE analysis, the trace's columns).

Precision
    Training forward passes (victim, teachers, substitute, data-free generator) run under
    ``torch.autocast`` in bfloat16 on CUDA: the weights, the optimiser state and the loss's
    reduction stay float32, and bfloat16 keeps float32's exponent range, so no loss scaling
    is needed. Everything whose result is recorded runs in float32 on both devices: the
    teachers' votes (an argmax that a rounding could flip near a tie, and the votes *are*
    the privacy cost), the victim's probabilities and the accuracy checks. On CUDA, TF32
    (a 10-bit mantissa inside float32 convolutions and matrix products) is switched off.
    CPU runs everything in float32.

Reproducibility
    Every random draw (data split, mini-batch order, augmentation shifts, attacker choices,
    generator noise) comes from seeded CPU generators, so both devices draw the same numbers.
    On CPU the same seed gives bit-identical traces. On CUDA, :func:`configure` sets
    ``torch.use_deterministic_algorithms(True, warn_only=True)``, ``CUBLAS_WORKSPACE_CONFIG``
    ``:4096:8``, ``cudnn.deterministic = True`` and ``cudnn.benchmark = False``: the same seed on
    the same GPU model, driver, CUDA, cuDNN and torch versions gives the same trace. What CUDA
    cannot make bit-identical: a run on another GPU model or library version (kernels and
    their summation order differ), and any operation without a deterministic CUDA kernel
    (``warn_only`` lets such an operation run and warns, rather than stopping an hour-long run).
    CPU and CUDA traces of the same seed differ (other kernels, bfloat16 training), so the
    device is part of the cache key and every trace's provenance names it.
"""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path

import torch

from powsim.errors import ParameterError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> str:
    """The device 'cpu' or 'cuda' for option value ``name`` ('auto', 'cpu' or 'cuda').

    Raises :class:`ParameterError` for 'cuda' when torch sees no GPU (or was built without CUDA).
    """
    if name not in DEVICES:
        raise ParameterError(f"{{device}}: {name!r}, expected one of {', '.join(DEVICES)}")
    available = torch.cuda.is_available()
    if name == "cuda" and not available:
        raise ParameterError("{device}: cuda, but torch sees no CUDA GPU here (torch "
                             f"{torch.__version__}, built with CUDA {torch.version.cuda}); "
                             "expected cpu or auto")
    return "cuda" if name == "cuda" or (name == "auto" and available) else "cpu"


def configure(device: str) -> None:
    """Make ``device``'s arithmetic as reproducible as torch allows (see the module's notes)."""
    if device != "cuda":
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False


def training_precision(device: torch.device | str) -> contextlib.AbstractContextManager:
    """The context for a training forward pass: bfloat16 autocast on CUDA, nothing on CPU."""
    if torch.device(device).type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def hardware(device: str) -> dict[str, object]:
    """What ran the computation: the GPU model and CUDA version, or the CPU model and torch's
    thread count."""
    if device == "cuda":
        return {"gpu": torch.cuda.get_device_name(), "cuda": torch.version.cuda,
                "cudnn": torch.backends.cudnn.version()}
    return {"cpu": cpu_model(), "torch_threads": torch.get_num_threads()}


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what platform reports."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"
