"""The partner API v1 (django-ninja): OpenAPI 3 at /api/v1/openapi.json, docs at
/api/v1/docs. django-ninja because its schema comes from the same typed signatures that
validate the requests, with no serializer layer to keep in step, and its docs page ships
its assets (served here, no CDN). Every rule is the portal's: `portal.access` scopes each
answer, `portal.workflow` moves the deals, the wizard's forms check a registration."""

from portal.api.app import api

__all__ = ["api"]
