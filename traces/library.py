"""A folder of traces: find them by dataset and attack."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from powsim.errors import InputError
from powsim.traces.curves import REFERENCE_ATTACK
from powsim.traces.format import Trace, read_trace

LEGITIMATE_ATTACK = "standard"


@dataclass(frozen=True)
class TraceLibrary:
    """All traces in one folder, read and validated, in file-name order."""

    folder: Path
    traces: tuple[Trace, ...]

    @classmethod
    def load(cls, folder: str | os.PathLike[str], dataset: str | None = None) -> TraceLibrary:
        """Read every ``*.parquet`` trace in ``folder``, keeping those of ``dataset`` if given."""
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(f"{folder}: no such folder of traces")
        traces = tuple(read_trace(path) for path in sorted(folder.glob("*.parquet")))
        if dataset is not None:
            traces = tuple(t for t in traces if t.metadata.dataset == dataset)
        if not traces:
            which = f" of dataset '{dataset}'" if dataset else ""
            raise InputError(f"{folder}: no traces{which}, expected *.parquet trace files")
        return cls(folder, traces)

    @property
    def datasets(self) -> list[str]:
        """The datasets present, in order of first appearance."""
        return list(dict.fromkeys(t.metadata.dataset for t in self.traces))

    def reference(self, dataset: str) -> Trace:
        """The legitimate reference of ``dataset``: its 'reference' trace, else its 'standard' one."""
        for attack in (REFERENCE_ATTACK, LEGITIMATE_ATTACK):
            for trace in self.traces:
                if trace.metadata.dataset == dataset and trace.metadata.attack == attack:
                    return trace
        raise InputError(f"{self.folder}: no legitimate reference for dataset '{dataset}', expected "
                         f"a trace with attack '{REFERENCE_ATTACK}' or '{LEGITIMATE_ATTACK}'")

    def attacks(self, dataset: str) -> list[Trace]:
        """The traces of ``dataset`` to tabulate: all but the reference curve."""
        return [t for t in self.traces
                if t.metadata.dataset == dataset and t.metadata.attack != REFERENCE_ATTACK]
