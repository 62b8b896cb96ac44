"""Next links are followed as opaque URLs, but never off our own FHIR base."""

from __future__ import annotations

import httpx
import pytest

from fhir_client import FhirResponseError

PATIENT = {"resourceType": "Patient", "id": "p1"}


def pager(fake, next_url: str):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("_getpages"):
            return fake.json(fake.searchset((PATIENT, "match")))
        return fake.json(fake.searchset((PATIENT, "match"), next_url=next_url))

    return handler


async def test_same_base_link_is_followed_verbatim(fake) -> None:
    link = f"{fake.base}?_getpages=abc-123&_getpagesoffset=20&_count=20&_bundletype=searchset"
    client = fake.client(pager(fake, link))
    first = await client.search("Patient")
    second = await client.next_page(first)
    assert second is not None and second.next_url is None
    assert str(fake.requests[1].url) == link
    assert await client.next_page(second) is None


async def test_pages_iterates_and_respects_max_pages(fake) -> None:
    client = fake.client(pager(fake, f"{fake.base}?_getpages=x"))
    pages = [page async for page in client.pages(await client.search("Patient"))]
    assert len(pages) == 2
    limited = [page async for page in client.pages(await client.search("Patient"), max_pages=1)]
    assert len(limited) == 1


@pytest.mark.parametrize(
    "link",
    [
        "http://evil.test/fhir?_getpages=x",
        "https://fhir.test/fhir?_getpages=x",
        "http://fhir.test:8443/fhir?_getpages=x",
        "http://fhir.test/other?_getpages=x",
        "http://fhir.test/fhirx?_getpages=x",
        "http://user:pw@fhir.test/fhir?_getpages=x",
        "//evil.test/fhir?_getpages=x",
        "/admin?_getpages=x",
        "http://fhir.test/fhir/%2e%2e/admin?_getpages=x",
        # On the base, but not one of its paging links:
        "http://fhir.test/fhir/Patient/p2",
        "http://fhir.test/fhir/metadata?_getpages=x",
        "http://fhir.test/fhir/Observation?patient=Patient/other&_count=20",
        "http://fhir.test/fhir?_getpages=x&patient=Patient/other",
        "http://fhir.test/fhir?_getpages=x&_format=xml",
        "http://fhir.test/fhir?_getpages=x&_getpages=y",
        "http://fhir.test/fhir?_getpages=&_count=20",
        "http://fhir.test/fhir?_count=20",
        "http://fhir.test/fhir",
    ],
)
async def test_foreign_next_link_is_refused(fake, link: str) -> None:
    client = fake.client(pager(fake, link))
    first = await client.search("Patient")
    with pytest.raises(FhirResponseError, match=r"outside its base|not one of its paging links"):
        await client.next_page(first)
    assert len(fake.requests) == 1


async def test_hapi_paging_links_with_the_search_controls_are_followed(fake) -> None:
    link = (
        f"{fake.base}?_getpages=731afdc8&_getpagesoffset=1&_count=1&_include=Observation%3Aperformer"
        "&_include:iterate=Observation%3Ahas-member&_bundletype=searchset&_elements=id&_total=accurate"
    )
    client = fake.client(pager(fake, link))
    assert await client.next_page(await client.search("Patient")) is not None
    assert str(fake.requests[1].url) == link


async def test_relative_next_link_resolves_against_the_base(fake) -> None:
    client = fake.client(pager(fake, "?_getpages=x"))
    await client.next_page(await client.search("Patient"))
    assert str(fake.requests[1].url) == f"{fake.base}/?_getpages=x"
