"""ASGI middleware, one concern per module, applied in the order of DESIGN.md section 3."""
