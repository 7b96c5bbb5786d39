"""Where the memory-hard families' rates come from: this machine's measured rates and the
device ratios the other profiles' estimates apply to them (each family module cites them).

A family's rate at its reference parameters is a figure per hardware profile; at other
parameters it scales as 1 / work_units (memory x passes: memory-hard hashing is bound by
memory traffic on GPUs and by the blocks computed on CPUs). A figure marked ``estimate`` is
not a measurement of that device at those parameters.
"""

from __future__ import annotations

# One core of this machine (AMD EPYC, 2026-11-26), argon2-cffi 25.1 and hashlib.scrypt (OpenSSL),
# trials per CPU-second over 2 s: `powsim hashcash bench --puzzle argon2id|scrypt` measures it again.
HERE_ARGON2 = 42.4
HERE_SCRYPT = 22.8
MEASURED = "measured here: one AMD EPYC core, argon2-cffi / hashlib.scrypt, 2026-11-26"
LAPTOP = MEASURED + "; a laptop core assumed as fast (C code either way): estimate"
# The phone runs the browser's code at the SHA-256 profiles' ratio, 0.1 / 1.3 (issue 4's range).
PHONE = "estimate: the browser figure x 0.1/1.3, the SHA-256 profiles' phone/laptop-browser ratio"
PHONE_RATIO = 0.1 / 1.3
# GPU (the 'gpu' profile is one RTX 4090, 1008 GB/s of memory bandwidth by NVIDIA's spec):
# tobtu.com/minimum-password-settings (updated 2022-12-29) sizes its settings from a GPU's
# memory bandwidth, at about 95 % efficiency below 64 MiB (each family applies it to the bytes
# one of its trials moves).
GPU_BANDWIDTH = "tobtu.com/minimum-password-settings rule, RTX 4090 1008 GB/s"
