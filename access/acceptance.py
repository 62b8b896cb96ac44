"""FHIR access for accepting one proxy invitation.

It touches the invitee's own Person and the one Consent the invitation names (docs/access.md). Built only by
``RequestContext.invitation_access`` from a verified, unexpired invitation ticket; it can do nothing else.
"""

from __future__ import annotations

import logging

from fhir_client import FhirClient, FhirGone, FhirNotFound, Resource

from . import shapes
from .compartment import belongs

log = logging.getLogger("gateway.security")


class InvitationAccess:
    """Links the invitee's Person to the invitation's RelatedPerson and turns the proposed Consent active.

    Args:
        fhir: The request's FHIR client.
        person_id: The invitee's Person.
        patient_id: The patient who invited.
        related_person_id: The RelatedPerson the invitation created.
        consent_id: The proposed Consent the invitation created.
    """

    def __init__(
        self, fhir: FhirClient, *, person_id: str, patient_id: str, related_person_id: str, consent_id: str
    ) -> None:
        self._fhir = fhir
        self.person_id = person_id
        self.patient_id = patient_id
        self.related_person_id = related_person_id
        self.consent_id = consent_id

    async def accept(self) -> bool:
        """Do both writes (each skipped when already done, so a retry is harmless).

        Returns:
            ``False`` when the Consent is no longer proposed or active (revoked meanwhile), or a resource
            does not match the invitation.
        """
        consent = await self._read("Consent", self.consent_id)
        related = await self._read("RelatedPerson", self.related_person_id)
        person = await self._read("Person", self.person_id)
        if consent is None or related is None or person is None:
            return False
        named = self.related_person_id in shapes.actor_ids(consent.data)
        if not (named and belongs(consent, self.patient_id) and belongs(related, self.patient_id)):
            log.warning("invitation.mismatch", extra={"event": "invitation.mismatch"})
            return False
        if consent.get("status") not in ("proposed", "active"):
            return False
        linked = shapes.with_link(person.data, self.related_person_id)
        if linked is not None:
            await self._fhir.update(linked, if_match=person.version_id)
        if consent.get("status") == "proposed":
            await self._fhir.update({**consent.data, "status": "active"}, if_match=consent.version_id)
        return True

    async def _read(self, resource_type: str, resource_id: str) -> Resource | None:
        try:
            return await self._fhir.read(resource_type, resource_id)
        except (FhirNotFound, FhirGone):
            return None
