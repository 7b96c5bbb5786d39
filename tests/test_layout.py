"""The package's map holds: traces/ imports without torch (only traces/generate/ needs it),
imports point one way through the rooms (stats <- traces <- calibrate <- hashcash <-
difficulty <- model <- sim <- load <- sweep <- gateway <- cli), no two modules import each other in a
circle, the model imports no kernel, and no module grows past ~400 lines."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Each room may import only those before it.
LAYERS = ("stats", "traces", "calibrate", "hashcash", "difficulty", "model", "sim", "load", "sweep",
          "gateway", "cli")
FOLDERS = LAYERS


def _modules(layer: str) -> list[Path]:
    """The modules of a layer; the command line is cli.py and commands/."""
    if layer == "cli":
        return [REPO / "cli.py", *sorted((REPO / "commands").rglob("*.py"))]
    return sorted(p for p in (REPO / layer).rglob("*.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(("powsim", *(parts[:-1] if parts[-1] == "__init__" else parts)))


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


LIGHT_TRACES = [_name(p) for p in _modules("traces") if "generate" not in p.relative_to(REPO).parts]


# torch blocked: importing it raises ImportError, as on an install without the [traces] extra.
# (A finder, not sys.modules['torch'] = None, which scipy's array-API checks trip over.)
BLOCK_TORCH = """
import sys
class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is blocked")
sys.meta_path.insert(0, BlockTorch())
"""


def test_traces_import_without_torch():
    code = (BLOCK_TORCH + "import importlib\n"
            f"for name in {LIGHT_TRACES!r}:\n"
            "    importlib.import_module(name)\n"
            "assert 'torch' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(LIGHT_TRACES) >= 7  # traces, curves, format, info, library, pate, votes


def test_torch_blocked_is_noticed():
    # The check above would pass vacuously if blocking torch did not block it.
    code = BLOCK_TORCH + "import powsim.traces.generate.models\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "torch" in result.stderr


@pytest.mark.parametrize("folder", FOLDERS)
def test_only_the_generator_and_the_gateway_import_torch(folder):
    # cli/ included: it reaches torch only through traces/generate/.
    for path in _modules(folder):
        uses_torch = any(name == "torch" or name.startswith("torch.") for name in _imports(path))
        if uses_torch:  # the generator trains models, the gateway serves one
            parts = path.relative_to(REPO).parts
            assert parts[:2] == ("traces", "generate") or parts[0] == "gateway", path


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_point_one_way(layer):
    later = LAYERS[LAYERS.index(layer) + 1:]
    for path in _modules(layer):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "powsim" and len(parts) > 1:
                assert parts[1] not in later and not (later and parts[1] == "commands"), \
                    f"{path.relative_to(REPO)} imports {name}"


def test_no_module_over_400_lines():
    # .mutate/ is `make mutate`'s scratch copy (git-ignored): mutmut's rewritten modules.
    files = [p for p in REPO.rglob("*.py") if not {".venv", ".mutate", "tests"} & set(p.parts)]
    long = {str(p.relative_to(REPO)): n for p in files
            if (n := len(p.read_text().splitlines())) > 420}
    assert not long


def _graph() -> dict[str, set[str]]:
    """Every powsim module (outside tests/ and benchmarks/) and the powsim modules it imports."""
    files = [p for p in REPO.rglob("*.py")
             if not {".venv", ".mutate", "tests", "benchmarks", "tools", "notebooks"} & set(p.parts)]
    modules = {_name(p): p for p in files}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # `from powsim.x import y` may name the module powsim.x.y or a name inside powsim.x.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported.count(".") > 0:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first search of ``graph`` meets, each as its path of modules."""
    state, cycles = {}, []

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_cycles_between_modules():
    # A cycle (kinds.py <-> scenario.py was one) means two modules are one idea or a layer leaks.
    graph = _graph()
    assert "powsim.model.kinds" in graph["powsim.model.scenario"]  # the graph reads imports
    assert not _cycles(graph)


def test_the_cycle_check_sees_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


@pytest.mark.parametrize("kernel", ["sim", "load"])
def test_the_model_imports_no_kernel(kernel):
    for path in _modules("model"):
        assert not any(name.startswith(f"powsim.{kernel}") for name in _imports(path)), path
