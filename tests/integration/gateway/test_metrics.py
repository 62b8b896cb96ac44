"""``/metrics``: Prometheus text with operation, upstream, error, session and audit numbers, and no PHI."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.gateway.access_support import StartAccess
from tests.integration.gateway.conftest import StartPortal

DASHBOARD = "query Dashboard($id: ID!) { patient(id: $id) { id name { family } unreadMessageCount } }"
NAME = "query Name($id: ID!) { patient(id: $id) { name { family } } }"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(
        value
        for (metric, have), value in samples.items()
        if metric == name and set(labels.items()) <= set(have)
    )


async def test_metrics_count_operations_upstream_calls_errors_sessions_and_the_audit_queue(
    start_access: StartAccess,
) -> None:
    async with start_access(metrics_allow=["127.0.0.1/32"]) as access:
        patient = access.family.patient("pat")
        token = await access.token("pat")
        reply = await access.gql(DASHBOARD, {"id": patient}, token=token)
        assert reply.data("patient")["id"] == patient
        await access.gql(NAME, {"id": patient}, token=token)  # the Patient read alone, not in a batch
        await access.gql(DASHBOARD, {"id": patient})  # anonymous: UNAUTHENTICATED
        await access.gql("query Not_A Name { viewer { account { id } } }", token=token)  # a parse error
        response = await access.portal.client.get("/metrics")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        samples = _samples(response.text)
        assert _value(samples, "portal_graphql_operations_total", operation="Dashboard", type="query") == 2
        assert _value(samples, "portal_graphql_operation_seconds_count", operation="Dashboard") == 2
        assert _value(samples, "portal_graphql_errors_total", code="UNAUTHENTICATED") >= 1
        assert _value(samples, "portal_graphql_errors_total", code="BAD_USER_INPUT") >= 1
        # The Dashboard's Patient read and message count go upstream together: one batch, no type of its own.
        assert _value(samples, "portal_fhir_requests_total", resource_type="-", interaction="batch") >= 1
        # What the batches held is counted by type: the Patient read and the unread count's search.
        assert _value(samples, "portal_fhir_batched_total", resource_type="Patient", interaction="read") >= 1
        assert _value(samples, "portal_fhir_batched_total", resource_type="Communication", outcome="ok") >= 1
        assert _value(samples, "portal_fhir_requests_total", resource_type="Patient", outcome="ok") >= 1
        assert _value(samples, "portal_fhir_request_seconds_count", resource_type="Patient") >= 1
        assert _value(samples, "portal_http_requests_total", route="/graphql", status="200") >= 3
        assert _value(samples, "portal_active_sessions") >= 1
        assert ("portal_audit_queue_depth", ()) in samples
        # No patient id, name or query text: labels come from fixed sets and operation names only.
        family_ids = {access.family.patient(key) for key in ("pat", "ro", "sm")}
        assert not any(i in response.text for i in family_ids)
        assert "Testcase" not in response.text and "Patient/" not in response.text


async def test_operation_names_are_bounded(start_portal: StartPortal) -> None:
    async with start_portal(metrics_allow=["127.0.0.0/8"]) as portal:
        await portal.gql("query { __typename }")
        await portal.gql("# comment\nmutation   Named { signOut { __typename } }")
        text = (await portal.client.get("/metrics")).text
        assert re.search(r'portal_graphql_operations_total\{operation="anonymous",type="query"\} 1\.0', text)
        assert re.search(r'portal_graphql_operations_total\{operation="Named",type="mutation"\} 1\.0', text)


async def test_an_operation_is_labelled_by_the_one_that_ran(start_portal: StartPortal) -> None:
    document = "query First { __typename }\nmutation Second { signOut { __typename } }"
    async with start_portal(metrics_allow=["127.0.0.0/8"]) as portal:
        ran = await portal.client.post("/graphql", json={"query": document, "operationName": "Second"})
        assert ran.json()["data"]["signOut"]["__typename"]
        await portal.client.post("/graphql", json={"query": "{ patient(", "operationName": "Broken"})
        text = (await portal.client.get("/metrics")).text
        assert re.search(r'portal_graphql_operations_total\{operation="Second",type="mutation"\} 1\.0', text)
        assert 'operation="First"' not in text  # the document's first operation did not run
        assert re.search(r'portal_graphql_operations_total\{operation="Broken",type="unknown"\} 1\.0', text)


async def test_outside_development_metrics_answer_only_the_allowed_addresses(
    start_portal: StartPortal,
) -> None:
    async with start_portal() as portal:  # no PORTAL_METRICS_ALLOW: nobody
        response = await portal.client.get("/metrics")
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with start_portal(metrics_allow=["10.0.0.0/8", "::1/128"]) as portal:  # not the test's 127.0.0.1
        assert (await portal.client.get("/metrics")).status_code == 403
    async with start_portal("development") as portal:  # development: anyone on the machine
        assert (await portal.client.get("/metrics")).status_code == 200
