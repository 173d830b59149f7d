"""JSON API: routers per concept, problem+json errors, auth by bearer token."""
