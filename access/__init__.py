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
- ``uploads``: upload tickets (an uploaded file may be attached only by its uploader, for its patient);
- ``dates``: the date rules, failing closed on partial dates.

The guard that enforces all of this for every FHIR access of a request is ``resolvers.guard``.
"""

from . import shapes
from .acceptance import InvitationAccess
from .cache import ScopeCache
from .compartment import (
    ATTACHED,
    COMPARTMENT,
    DIRECTORY_TYPES,
    LINKED,
    RESTRICTED_LABELS,
    Attached,
    Compartment,
    Link,
    attached_ids,
    belongs,
    belongs_through,
    holds,
    restricted,
    sent_by_patient,
)
from .dates import DateRange, age_on, birthday, date_range, in_period, parse_date
from .invitations import ProxyInvitations
from .scope import CAPABILITIES, PARENTAL, AccessScope, Capability, Grant, Level, TeenPolicy, derive_scope
from .service import Access, build_access
from .shared_changes import SHARED_CHANGES, SharedChange, declared
from .uploads import Upload, Uploads

__all__ = [
    "ATTACHED",
    "CAPABILITIES",
    "COMPARTMENT",
    "DIRECTORY_TYPES",
    "LINKED",
    "PARENTAL",
    "RESTRICTED_LABELS",
    "SHARED_CHANGES",
    "Access",
    "AccessScope",
    "Attached",
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
    "Upload",
    "Uploads",
    "age_on",
    "attached_ids",
    "belongs",
    "belongs_through",
    "birthday",
    "build_access",
    "date_range",
    "declared",
    "derive_scope",
    "holds",
    "in_period",
    "parse_date",
    "restricted",
    "sent_by_patient",
    "shapes",
]
