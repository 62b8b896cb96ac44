"""ASGI middleware, one concern per module, applied in the order of docs/architecture.md section 3."""
