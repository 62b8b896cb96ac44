"""Read representation: what does it cost to turn a 100-entry searchset page into something typed?

Candidates, each from the raw response bytes:

- ``json.loads``: the standard library parse (the baseline).
- ``orjson.loads``: the parse the client uses.
- ``orjson + Resource views``: the parse plus the client's own page reading (``search_page``: split by
  ``search.mode``, a typed ``Resource`` view per entry checking ``resourceType`` and ``id``). This is what
  ``FhirClient.search`` returns.
- ``R4B model_validate per resource``: orjson, then full ``fhir.resources.R4B`` validation of each entry.
- ``R4B Bundle.model_validate``: orjson, then the whole Bundle validated as one model.
- ``R4B Bundle.model_validate_json``: pydantic parsing and validating straight from bytes.

Run ``python -m bench reads``; docs/fhir-client.md records the choice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from fhir_client._body import ErrorContext
from fhir_client._bundle import search_page

from ._table import Row, measure, table

PAGE_SIZE = 100
_CONTEXT = ErrorContext("GET", "Observation", None)
_LABS = [
    ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", 70.0, 99.0),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 12.0, 17.5),
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", 0.0, 200.0),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.6, 1.3),
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL", 4.5, 11.0),
]


def observation(n: int) -> dict[str, Any]:
    """A realistic final lab Observation, shaped like HAPI returns one."""
    code, display, unit, low, high = _LABS[n % len(_LABS)]
    value = round(low + (high - low) * ((n * 37) % 100) / 80, 1)
    flag = "H" if value > high else "N"
    return {
        "resourceType": "Observation",
        "id": f"obs-{n:05d}",
        "meta": {"versionId": "1", "lastUpdated": "2024-05-01T12:00:00.000+00:00", "source": "#lab-feed"},
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5.1", "value": f"LAB-{n:08d}"}],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                        "display": "Laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": "http://loinc.org", "code": code, "display": display}],
            "text": display,
        },
        "subject": {"reference": "Patient/pat-0001", "display": "Example Patient"},
        "encounter": {"reference": f"Encounter/enc-{n // 10:04d}"},
        "effectiveDateTime": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:30:00+00:00",
        "issued": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T14:05:00.000+00:00",
        "performer": [{"reference": "Practitioner/prac-0007", "display": "Dr. Example"}],
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
        "interpretation": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": flag,
                    }
                ]
            }
        ],
        "referenceRange": [
            {
                "low": {"value": low, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
                "high": {"value": high, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
            }
        ],
    }


def page_bytes(size: int = PAGE_SIZE) -> bytes:
    """A searchset Bundle of ``size`` Observations, serialized as HAPI would send it."""
    base = "http://127.0.0.1:8080/fhir"
    bundle = {
        "resourceType": "Bundle",
        "id": "bench-page",
        "meta": {"lastUpdated": "2024-05-01T12:00:00.000+00:00"},
        "type": "searchset",
        "link": [
            {"relation": "self", "url": f"{base}/Observation?patient=pat-0001&_count={size}"},
            {"relation": "next", "url": f"{base}?_getpages=bench&_getpagesoffset={size}&_count={size}"},
        ],
        "entry": [
            {
                "fullUrl": f"{base}/Observation/obs-{n:05d}",
                "resource": observation(n),
                "search": {"mode": "match"},
            }
            for n in range(size)
        ],
    }
    return orjson.dumps(bundle)


def candidates(raw: bytes) -> dict[str, Callable[[], object]]:
    """The representations to compare, each a call that turns ``raw`` into its result."""

    def views() -> object:
        return search_page(orjson.loads(raw), "Observation", want_total=False, context=_CONTEXT)

    def per_resource() -> object:
        return [Observation.model_validate(entry["resource"]) for entry in orjson.loads(raw)["entry"]]

    return {
        "json.loads": lambda: json.loads(raw),
        "orjson.loads": lambda: orjson.loads(raw),
        "orjson + Resource views": views,
        "R4B model_validate per resource": per_resource,
        "R4B Bundle.model_validate": lambda: Bundle.model_validate(orjson.loads(raw)),
        "R4B Bundle.model_validate_json": lambda: Bundle.model_validate_json(raw),
    }


def run(*, repeat: int = 7) -> list[Row]:
    """Measure every candidate on one 100-entry page; median of ``repeat`` rounds each."""
    raw = page_bytes()
    page = search_page(orjson.loads(raw), "Observation", want_total=False, context=_CONTEXT)
    assert len(page.matches) == PAGE_SIZE  # the page really holds 100 resources
    return measure(candidates(raw), repeat=repeat)


def main(*, repeat: int = 7) -> str:
    """Run the benchmark and return its report."""
    rows = run(repeat=repeat)
    header = f"reads: one searchset page of {PAGE_SIZE} Observations ({len(page_bytes()) // 1024} KiB)"
    return f"{header}\n{table(rows, per=PAGE_SIZE, baseline='json.loads')}"
