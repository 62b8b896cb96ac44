"""Structural check: resolvers reach FHIR only through the guard (docs/architecture.md section 4).

Only the guard modules (and the context that builds them) may hold the FHIR client; everything else in
``resolvers/`` and all of ``schema/`` gets FHIR data through ``ctx.guard(...)`` or ``ctx.directory_reader()``.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from access import DIRECTORY_TYPES, SHARED_CHANGES, declared
from fhir_client import FhirClient
from resolvers.context import RequestContext
from resolvers.guard import DirectoryReader

ROOT = Path(__file__).resolve().parents[3]
GUARD_MODULES = {"context.py", "guard.py"}
# The identity directory reads any Patient's identity without the guard: only the flows before a scope exists
# (enrollment, reset, recovery) and the password checks of the signed-in account's own identity use it.
IDENTITY_MODULES = {"enrollment.py", "account.py"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in {"_fhir", "fhir"}:
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"identity_directory", "directory"}
            and path.name not in IDENTITY_MODULES
        ):
            found.append(f"{path.name}:{node.lineno} .{node.attr} (reads identities without the guard)")
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fhir_client"):
            names = {alias.name for alias in node.names}
            if names & {"FhirClient", "ReadLoader", "GetBatcher", "*"} or node.module != "fhir_client":
                found.append(f"{path.name}:{node.lineno} imports {sorted(names)} from {node.module}")
        if isinstance(node, ast.Name) and node.id in {"getattr", "setattr"}:
            found.append(f"{path.name}:{node.lineno} {node.id} (could reach the private client)")
    return found


def test_only_the_guard_modules_touch_the_fhir_client() -> None:
    problems = [
        problem
        for path in _modules("resolvers")
        if path.name not in GUARD_MODULES
        for problem in _violations(path)
    ]
    # getattr is legitimate in one place: reading a session token off an auth result (no FHIR involved).
    problems = [p for p in problems if not p.startswith("account.py") or "getattr" not in p]
    assert problems == []


def test_the_identity_directory_is_reachable_only_where_needed(tmp_path: Path) -> None:
    # The check itself: a resolver module elsewhere that reaches the identity directory is reported.
    probe = tmp_path / "records.py"
    probe.write_text("async def f(ctx):\n    return ctx.identity_directory()\n", encoding="utf-8")
    assert _violations(probe) == ["records.py:2 .identity_directory (reads identities without the guard)"]
    used = {
        path.name
        for path in _modules("resolvers")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "identity_directory"
    }
    assert used <= IDENTITY_MODULES | {"context.py"}


def test_schema_never_imports_fhir_client() -> None:
    for path in _modules("schema"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                )
                assert not any(n.startswith("fhir_client") for n in names), path.name


def test_the_context_exposes_no_public_fhir_client() -> None:
    public = [f.name for f in dataclasses.fields(RequestContext) if not f.name.startswith("_")]
    hints = {f.name: f.type for f in dataclasses.fields(RequestContext)}
    assert "fhir" not in public
    assert all("FhirClient" not in str(hints[name]) for name in public)
    assert FhirClient.__name__ in str(hints["_fhir"])


def test_shared_resources_have_no_write_path_but_the_declared_changes() -> None:
    # The directory reader only reads; the guard writes shared resources only through SHARED_CHANGES.
    public = {name for name in vars(DirectoryReader) if not name.startswith("_")}
    assert public == {"read", "search", "page_at"}
    assert {change.resource_type for change in SHARED_CHANGES} <= DIRECTORY_TYPES
    for change in SHARED_CHANGES:
        assert declared(change.operation, change.resource_type) is change
