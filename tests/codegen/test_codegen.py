"""Typed clients: GraphQL Code Generator (typescript, typescript-operations) over the committed SDL and the
example operations, then ``tsc`` over the output and a file that uses it, as a frontend would.

The npm packages are pinned by this folder's lockfile and installed by ``scripts/bootstrap.sh`` (npm ci).
A misuse of the generated types must fail ``tsc`` (checked too, so the check cannot pass vacuously).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
BIN = HERE / "node_modules" / ".bin"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own pinned tools with fixed arguments
        args, cwd=HERE, capture_output=True, text=True, timeout=180, check=False
    )


def test_generated_clients_type_check() -> None:
    assert shutil.which("node"), "Node (>= 18) is needed for the typed-client check"
    assert (BIN / "graphql-codegen").exists(), "run scripts/bootstrap.sh (npm ci of tests/codegen)"
    generated = _run(str(BIN / "graphql-codegen"), "--config", "codegen.yml")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    types = (HERE / "generated" / "portal.ts").read_text(encoding="utf-8")
    for name in (
        "export type DashboardQuery",
        "export type TrendQuery",
        "export type BookAppointmentMutation",
        "export type RequestRefillMutation",
        "export type MakePaymentMutation",
    ):
        assert name in types
    checked = _run(str(BIN / "tsc"), "-p", "tsconfig.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_misuse_of_the_generated_types_fails_tsc() -> None:
    if not (HERE / "generated" / "portal.ts").exists():
        assert _run(str(BIN / "graphql-codegen"), "--config", "codegen.yml").returncode == 0
    wrong = HERE / "generated" / "misuse.ts"
    wrong.write_text(
        "import type { DashboardQuery } from './portal';\n"
        "export const n = (d: DashboardQuery): string => d.patient?.unreadMessageCount ?? 0;\n",
        encoding="utf-8",
    )
    try:
        checked = _run(str(BIN / "tsc"), "--noEmit", "--strict", "generated/misuse.ts")
    finally:
        wrong.unlink()
    assert checked.returncode != 0
    assert "not assignable to type 'string'" in checked.stdout
