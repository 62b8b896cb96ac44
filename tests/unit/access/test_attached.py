"""Types reached only through a holder: a message's Binary belongs to the patient its securityContext names,
and only a Communication that links it in its payload holds it."""

from __future__ import annotations

from access import ATTACHED, COMPARTMENT, belongs, holds
from fhir_client import Resource


def _binary(patient: str) -> Resource:
    return Resource(
        {
            "resourceType": "Binary",
            "id": "b1",
            "contentType": "application/pdf",
            "securityContext": {"reference": f"Patient/{patient}"},
        }
    )


def _message(url: str, kind: str = "Communication") -> Resource:
    return Resource(
        {
            "resourceType": kind,
            "id": "m1",
            "subject": {"reference": "Patient/p1"},
            "payload": [{"contentString": "see file"}, {"contentAttachment": {"url": url, "title": "x"}}],
        }
    )


def test_a_binary_belongs_to_the_patient_of_its_security_context_and_is_never_searched() -> None:
    assert "Binary" in ATTACHED and "Binary" not in COMPARTMENT
    assert belongs(_binary("p1"), "p1")
    assert not belongs(_binary("p2"), "p1")
    assert not belongs(Resource({"resourceType": "Binary", "id": "b1"}), "p1")


def test_only_a_declared_holder_that_links_it_holds_it() -> None:
    assert holds(_message("Binary/b1"), "Binary", "b1")
    assert holds(_message("https://ehr.example.test/fhir/Binary/b1"), "Binary", "b1")
    assert not holds(_message("Binary/b12"), "Binary", "b1")
    assert not holds(_message("Binary/b1", kind="DocumentReference"), "Binary", "b1")
    assert not holds(_message("Binary/b1"), "Observation", "b1")
    text_only = Resource(
        {"resourceType": "Communication", "id": "m", "payload": [{"contentString": "Binary/b1"}]}
    )
    assert not holds(text_only, "Binary", "b1")
