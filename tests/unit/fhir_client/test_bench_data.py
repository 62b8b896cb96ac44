"""The read benchmark (python -m bench reads) measures a realistic, valid page; its timing is not a test."""

from __future__ import annotations

import orjson
from fhir.resources.R4B.bundle import Bundle

from bench import reads


def test_benchmark_page_is_a_valid_100_entry_searchset() -> None:
    raw = reads.page_bytes()
    bundle = Bundle.model_validate_json(raw)
    assert bundle.type == "searchset" and len(bundle.entry) == reads.PAGE_SIZE
    results = {name: fn() for name, fn in reads.candidates(raw).items()}
    assert results["json.loads"] == results["orjson.loads"] == orjson.loads(raw)
    assert len(results["orjson + Resource views"].matches) == reads.PAGE_SIZE  # type: ignore[attr-defined]
    assert len(results["R4B model_validate per resource"]) == reads.PAGE_SIZE  # type: ignore[arg-type]
