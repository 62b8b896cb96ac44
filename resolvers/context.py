"""The per-request context every resolver receives.

The FHIR client is private (``_fhir``): resolvers reach FHIR only through ``guard`` (one permitted patient,
one capability) and ``directory_reader`` (shared directory resources). A test scans ``resolvers/`` so that
no other module touches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Unpack

from access import Access, AccessScope, Capability, InvitationAccess, derive_scope
from auth import Auth, FhirPatientDirectory
from fhir_client import FhirClient, SearchOptions

from .audit import AuditTrail
from .cursors import CursorCodec
from .errors import Forbidden
from .guard import DirectoryReader, Found, NotInScope, PatientGuard, find_in_compartments
from .idempotency import IdempotencyStore
from .ids import fhir_id
from .pending_payments import PaymentServices
from .practice import PracticeRules
from .viewer import SessionState, Viewer, require_viewer


@dataclass(frozen=True, slots=True)
class OperationSeen:
    """The operation a request runs: its type (``query``, ``mutation``, ``subscription``) and its name."""

    type: str
    name: str | None


@dataclass(slots=True)
class RequestContext:
    """What one GraphQL request may use. Built by the gateway for each request; never shared.

    Attributes:
        request_id: Correlates logs and upstream calls of this request.
        _fhir: The FHIR client for this request; only the guard factory below uses it.
        development: True in the development environment only.
        auth: The app's ``auth`` services.
        access: The app's access services (scope cache, proxy invitations, teen policy).
        idempotency: The idempotency-key store (``resolvers/idempotency.py``).
        practice: The practice's rules (booking window, check-in, business days...).
        audit: This request's audit trail (the guard notes every PHI access in it).
        session: The session the middleware resolved (live, expired or none) and how its token came.
        client_ip: The client's address from the socket (rate limits; logged only as a keyed hash).
        secure_cookie: Whether the session cookie is the ``__Host-`` one with ``Secure``.
        admin: The request carried the admin key (``X-Admin-Key``).
        add_header: Adds a header to the response (``Set-Cookie`` for sign-in and sign-out).
        cursor_key: The server secret that signs pagination cursors.
        payments: The pending-payment records and the card processor (``resolvers/pending_payments.py``).
        operation: The operation that runs, once its document parsed (``schema/operation.py``); the
            ``/metrics`` labels.
    """

    request_id: str
    _fhir: FhirClient = field(repr=False)
    development: bool
    auth: Auth
    access: Access
    idempotency: IdempotencyStore
    practice: PracticeRules = field(default_factory=PracticeRules)
    audit: AuditTrail = field(default_factory=lambda: AuditTrail(None))
    session: SessionState = field(default_factory=SessionState)
    client_ip: str | None = None
    secure_cookie: bool = True
    admin: bool = False
    add_header: Callable[[str, str], None] = field(default=lambda name, value: None)
    cursor_key: bytes = field(default=b"", repr=False)
    _scoped: asyncio.Future[tuple[Viewer, AccessScope]] | None = field(default=None, init=False, repr=False)
    payments: PaymentServices | None = None
    operation: OperationSeen | None = None

    def identity_directory(self) -> FhirPatientDirectory:
        """Identity reads of any Patient (name, birth date, phone, email) and the enrollment Consent write.

        This bypasses the guard on purpose: enrollment, reset and username recovery run before there is a
        scope, and password checks compare against the account's own identity. A unit test allows it only in
        ``resolvers/enrollment.py`` and ``resolvers/account.py``.
        """
        return FhirPatientDirectory(self._fhir)

    @property
    def upstream_calls(self) -> int:
        """Upstream requests this request has sent so far."""
        return self._fhir.calls.calls

    async def scope(self) -> tuple[Viewer, AccessScope]:
        """The signed-in viewer and their access scope (Redis-cached per session for at most 60 s).

        Worked out once per request: the fields that ask at the same time share one answer (and so go on
        to send their FHIR requests together).

        Raises:
            PublicError: As ``require_viewer``.
        """
        scoped = self._scoped
        if scoped is None:
            scoped = self._scoped = asyncio.ensure_future(self._derive_scope())
        try:
            return await asyncio.shield(scoped)
        except Exception:
            if self._scoped is scoped:
                self._scoped = None  # a refusal is not kept: a sign-in later in the operation may change it
            raise

    async def _derive_scope(self) -> tuple[Viewer, AccessScope]:
        viewer = await require_viewer(self)
        cache = self.access.scopes
        cached, epoch = await cache.get(viewer.session.id)
        if cached is None or cached.account_id != viewer.account.id:
            account = viewer.account
            cached = await derive_scope(
                self._fhir,
                account_id=account.id,
                patient_id=account.patient_id,
                person_id=account.person_id,
                today=self.auth.clock.now().date(),
                teen=self.access.teen,
            )
            await cache.put(viewer.session.id, cached, epoch)
        return viewer, cached

    def forget_scope(self) -> None:
        """Drop this request's copy of the scope (after this request changed a grant)."""
        self._scoped = None

    async def guard(self, patient_id: str, capability: Capability) -> PatientGuard:
        """FHIR access bound to ``patient_id`` for ``capability``.

        Args:
            patient_id: The patient the resolver acts for (validated as a FHIR id).
            capability: What the resolver is about to do.

        Returns:
            The guard.

        Raises:
            NotInScope: NOT_FOUND when the patient is not in the viewer's scope (nothing is sent upstream).
            Forbidden: The patient is in scope but the level lacks ``capability`` (at this practice:
                ``PracticeRules.capabilities``).
            PublicError: BAD_USER_INPUT for a malformed id; as ``require_viewer`` without a viewer.
        """
        wanted = fhir_id(patient_id)
        viewer, scope = await self.scope()
        grant = scope.grant_for(wanted)
        if grant is None:
            raise NotInScope()
        if capability not in self.practice.capabilities(grant):
            raise Forbidden("Your access to this patient does not include this.")
        await self.audit.check_room()
        return PatientGuard(self._fhir, grant, capability, self.auth.events, viewer.account.id, self.audit)

    async def find(
        self,
        resource_type: str,
        resource_id: str,
        capability: Capability = Capability.READ,
        **options: Unpack[SearchOptions],
    ) -> Found | None:
        """A resource of any patient in the viewer's scope, by id alone, with the guard of its patient.

        For fields such as ``appointment(id)`` that name no patient: one search of the id constrained to the
        compartments of the scope's patients (those whose level has ``capability``), with ``options``'
        includes.

        Returns:
            The guard, the resource and its includes, or ``None`` when missing or outside the scope (the same
            answer).

        Raises:
            PublicError: BAD_USER_INPUT for a malformed id; as ``require_viewer`` without a viewer.
        """
        wanted = fhir_id(resource_id)
        viewer, scope = await self.scope()
        await self.audit.check_room()
        guards = [
            PatientGuard(self._fhir, grant, capability, self.auth.events, viewer.account.id, self.audit)
            for grant in scope.grants
            if capability in self.practice.capabilities(grant)
        ]
        return await find_in_compartments(self._fhir, guards, resource_type, wanted, **options)

    async def cursors(self) -> CursorCodec:
        """The cursor codec bound to the viewer's session (the lists' pagination).

        The viewer comes with the request's scope, worked out once: no account read per list.
        """
        viewer, _ = await self.scope()
        return CursorCodec(self.cursor_key, viewer.session.id)

    def invitation_access(
        self, *, person_id: str, patient_id: str, related_person_id: str, consent_id: str
    ) -> InvitationAccess:
        """The two writes of accepting one invitation; call only with a verified invitation ticket's ids."""
        return InvitationAccess(
            self._fhir,
            person_id=person_id,
            patient_id=patient_id,
            related_person_id=related_person_id,
            consent_id=consent_id,
        )

    def directory_reader(self) -> DirectoryReader:
        """Reads of shared directory resources (Practitioner, Organization, Location, Schedule, Slot, ...)."""
        return DirectoryReader(self._fhir)
