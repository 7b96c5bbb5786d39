"""The scenario model: TOML read and validated once into plain frozen data that no kernel edits.

:mod:`~powsim.model.scenario` holds the per-account scenario, :mod:`~powsim.model.load` the
load scenario, :mod:`~powsim.model.kinds` the agent kinds and the kernel that runs each, and
:mod:`~powsim.model.parse` / :mod:`~powsim.model.load_parse` read them. Nothing here imports
a kernel (:mod:`powsim.sim`, :mod:`powsim.load`).
"""
