"""The PATE trace generator (the ``[traces]`` extra, needs torch): data, models and their
training, the cached workbench, the attacker's query strategies and the pipeline that
writes a per-query privacy-cost trace. Nothing outside this folder imports torch.
"""
