"""Access control: who may act for which patient, and how that is written in FHIR (docs/access.md).

- ``scope``: the viewer's grants (SELF and proxy levels, capabilities), derived from Person, RelatedPerson
  and Consent; ``cache``: the per-session cache of it (60 s at most, invalidated by grant changes);
- ``shapes``: the FHIR shapes of proxy access, builders and readers, used by the gateway, the synthetic
  practice and the tests alike;
- ``compartment``: which resources belong to a patient (directly, through another, or as its file), and the
  labels proxies never see;
- ``shared_changes``: the one table of changes a patient operation may make to shared resources (a Slot
  booked);
- ``invitations`` and ``acceptance``: proxy invitation codes, and the two writes of accepting one;
- ``dates``: the date rules, failing closed on partial dates.

The guard that enforces all of this for every FHIR access of a request is ``resolvers.guard``.
"""

from . import shapes
from .acceptance import InvitationAccess
from .cache import ScopeCache
from .compartment import (
    COMPARTMENT,
    DIRECTORY_TYPES,
    FILES,
    LINKED,
    RESTRICTED_LABELS,
    Compartment,
    Link,
    belongs,
    belongs_through,
    file_belongs,
    file_ids,
    restricted,
    sent_by_patient,
)
from .dates import DateRange, age_on, birthday, date_range, in_period, parse_date
from .invitations import ProxyInvitations
from .scope import CAPABILITIES, PARENTAL, AccessScope, Capability, Grant, Level, TeenPolicy, derive_scope
from .service import Access, build_access
from .shared_changes import SHARED_CHANGES, SharedChange, declared

__all__ = [
    "CAPABILITIES",
    "COMPARTMENT",
    "DIRECTORY_TYPES",
    "FILES",
    "LINKED",
    "PARENTAL",
    "RESTRICTED_LABELS",
    "SHARED_CHANGES",
    "Access",
    "AccessScope",
    "Capability",
    "Compartment",
    "DateRange",
    "Grant",
    "InvitationAccess",
    "Level",
    "Link",
    "ProxyInvitations",
    "ScopeCache",
    "SharedChange",
    "TeenPolicy",
    "age_on",
    "belongs",
    "belongs_through",
    "birthday",
    "build_access",
    "date_range",
    "declared",
    "derive_scope",
    "file_belongs",
    "file_ids",
    "in_period",
    "parse_date",
    "restricted",
    "sent_by_patient",
    "shapes",
]
