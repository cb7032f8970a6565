"""The package's shape: one subpackage per pipeline step, imports that run one way (down the layers below),
and no import cycles, counting imports inside functions too. A new upward import or cycle fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "feedback2journey"

# Lowest first. A module may import its own layer's modules (without cycles) and any lower layer's.
LAYERS = [
    {"schema", "resources", "files", "errors", "progress", "config"},  # contracts, paths, atomic writes, errors
    {"text"},        # clean, redact, segment, phrases
    {"inputs"},      # read, chunks, columns, ingest (ingest cleans and masks with text/)
    {"embed"},
    {"classify"},
    {"feel"},
    {"painpoints"},
    {"journey"},
    {"outputs"},
    {"run"},
    {"cli", "__init__", "__main__"},
]
STEPS = ["inputs", "text", "embed", "classify", "feel", "painpoints", "journey", "outputs", "run"]


def _layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer: add its folder to LAYERS in {Path(__file__).name}")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every feedback2journey module ``path`` imports, at module level or inside a function."""
    found = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name.startswith("feedback2journey") and name != module:
                found.add(name)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(p, m, set(mods)) for m, p in mods.items()}


def test_every_pipeline_step_is_a_subpackage_with_a_public_surface():
    for step in STEPS:
        init = PKG / step / "__init__.py"
        assert init.exists(), f"{step}/ is not a package"
        assert "__all__" in init.read_text(encoding="utf-8"), f"{step}/__init__.py names no public surface"
    flat = {p.stem for p in PKG.glob("*.py")} - {"__init__", "__main__"}
    assert flat <= LAYERS[0] | {"cli"}, f"top-level modules outside the public surface: {flat - LAYERS[0] - {'cli'}}"


def test_imports_never_run_up_the_layers(graph):
    upward = [f"{m} -> {d}" for m, deps in graph.items() for d in deps
              if d != "feedback2journey" and _layer_of(d) > _layer_of(m)]
    assert not upward, "imports that run up the layers:\n" + "\n".join(sorted(upward))


def test_no_import_cycles(graph):
    """Tarjan's strongly connected components over module -> module imports (function-level ones included)."""
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w == "feedback2journey" or w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_check_sees_a_cycle_and_an_upward_import(tmp_path):
    """The checks above must be able to fail: a made-up graph with both defects is caught."""
    mods = {"feedback2journey.text.a", "feedback2journey.run.b"}
    src = tmp_path / "a.py"
    src.write_text("def f():\n    from feedback2journey.run.b import x\n")
    deps = _imports(src, "feedback2journey.text.a", mods)
    assert deps == {"feedback2journey.run.b"}
    assert _layer_of("feedback2journey.run.b") > _layer_of("feedback2journey.text.a")


def test_no_module_is_past_450_lines():
    long = {str(p.relative_to(PKG)): n for p in PKG.rglob("*.py") if (n := len(p.read_text().splitlines())) > 450}
    assert not long, f"split these modules: {long}"
