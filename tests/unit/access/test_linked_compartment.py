"""Resources that name no patient (a payment) belong through the one that does; files through their holder."""

from __future__ import annotations

from access import attached_ids, belongs, belongs_through, holds
from fhir_client import Resource

TASK = Resource({"resourceType": "Task", "id": "t1", "for": {"reference": "Patient/p1"}})
OTHERS_TASK = Resource({"resourceType": "Task", "id": "t2", "for": {"reference": "Patient/p2"}})


def _payment(*requests: str) -> Resource:
    data: dict[str, object] = {"resourceType": "PaymentReconciliation", "id": "pr1"}
    if requests:
        data["request"] = {"reference": requests[0]}
    return Resource(data)


def test_a_payment_belongs_through_its_task_of_the_same_answer() -> None:
    anchors = {TASK.reference: TASK, OTHERS_TASK.reference: OTHERS_TASK}
    assert belongs_through(_payment("Task/t1"), "p1", anchors)
    assert belongs_through(_payment("http://ehr.example/fhir/Task/t1"), "p1", anchors)
    assert not belongs_through(_payment("Task/t2"), "p1", anchors)  # another patient's Task
    assert not belongs_through(_payment("Task/t9"), "p1", anchors)  # a Task the answer did not bring
    assert not belongs_through(_payment(), "p1", anchors)  # names nothing
    assert not belongs_through(
        _payment("Patient/p1"), "p1", {"Patient/p1": Resource({"resourceType": "Patient", "id": "p1"})}
    )


def test_a_payment_in_a_transaction_belongs_through_the_task_beside_it() -> None:
    assert belongs_through(_payment("urn:uuid:1234"), "p1", {"urn:uuid:1234": TASK})
    assert not belongs_through(_payment("urn:uuid:1234"), "p1", {"urn:uuid:1234": OTHERS_TASK})


def test_types_that_are_not_linked_never_belong_through_anything() -> None:
    condition = Resource({"resourceType": "Condition", "id": "c", "subject": {"reference": "Task/t1"}})
    assert not belongs_through(condition, "p1", {TASK.reference: TASK})


def test_a_statement_file_is_the_binary_its_document_names() -> None:
    holder = Resource(
        {
            "resourceType": "DocumentReference",
            "id": "d1",
            "subject": {"reference": "Patient/p1"},
            "content": [
                {"attachment": {"url": "Binary/b1"}},
                {"attachment": {"url": "https://ehr.example/fhir/Binary/b2"}},
                {"attachment": {"url": "https://elsewhere.example/statement.pdf"}},
            ],
        }
    )
    assert attached_ids(holder, "Binary") == ("b1", "b2")
    assert holds(holder, "Binary", "b2") and not holds(holder, "Binary", "b3")
    # The Binary itself belongs to the patient its securityContext names, like a message's file.
    assert belongs(
        Resource({"resourceType": "Binary", "id": "b1", "securityContext": {"reference": "Patient/p1"}}), "p1"
    )
    assert not belongs(Resource({"resourceType": "Binary", "id": "b1"}), "p1")
    assert attached_ids(Resource({"resourceType": "Observation", "id": "o"}), "Binary") == ()
