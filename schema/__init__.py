"""The GraphQL schema: Strawberry types, inputs and enums, and ``build_schema``. No I/O."""

from .build import build_schema
from .errors import PortalSchema

__all__ = ["PortalSchema", "build_schema"]
