"""The schema never breaks its clients by accident: the SDL is compared with the committed baseline.

``schema-baseline.graphql`` is the schema as frontends may rely on it. Any change graphql-core's
``find_breaking_changes`` reports against it (a field or type removed, an argument made required, a type
changed, an enum value dropped...) fails here: deprecate instead (``deprecation_reason=...``) and remove
later. The baseline moves only on purpose, with ``make schema-baseline`` (docs/frontend/schema-changes.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import (
    BreakingChangeType,
    find_breaking_changes,
    find_dangerous_changes,
)
from graphql import (
    build_schema as parse_sdl,
)

from gateway import Settings
from schema import build_schema

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "schema-baseline.graphql"


def _current() -> str:
    return build_schema(Settings(environment="production")).as_str()


def test_no_breaking_change_against_the_baseline() -> None:
    baseline = parse_sdl(BASELINE.read_text(encoding="utf-8"))
    current = parse_sdl(_current())
    breaking = [
        f"{change.type.name}: {change.description}" for change in find_breaking_changes(baseline, current)
    ]
    assert not breaking, (
        "breaking changes against schema-baseline.graphql (deprecate instead; move the baseline only on "
        f"purpose with `make schema-baseline`): {breaking}"
    )
    for change in find_dangerous_changes(baseline, current):
        print(f"dangerous (not breaking): {change.type.name}: {change.description}")


def test_the_check_catches_a_removed_field_and_an_argument_made_required() -> None:
    sdl = _current()
    field = re.compile(r'  """(?:(?!""").)*"""\n  unreadMessageCount: Int!\n', re.DOTALL)
    assert field.search(sdl) and "    from: FhirDate = null\n" in sdl
    removed = field.sub("", sdl, count=1)
    required = sdl.replace("    from: FhirDate = null\n", "    from: FhirDate!\n", 1)
    kinds = {
        change.type
        for edited in (removed, required)
        for change in find_breaking_changes(parse_sdl(sdl), parse_sdl(edited))
    }
    assert kinds == {BreakingChangeType.FIELD_REMOVED, BreakingChangeType.ARG_CHANGED_KIND}


def test_deprecated_members_stay_in_the_schema() -> None:
    # Deprecation is how the schema changes: the old member stays, marked, until the baseline moves.
    assert "@deprecated(reason:" in _current()
