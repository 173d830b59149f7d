"""Roles of API tokens and users, and what each may do."""

from __future__ import annotations

from enum import StrEnum

from warroom.errors import Invalid


class AccessRole(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"


RANK = {AccessRole.VIEWER: 0, AccessRole.RESPONDER: 1, AccessRole.ADMIN: 2}


def parse_access_role(text: str) -> AccessRole:
    try:
        return AccessRole(text.strip().lower())
    except ValueError:
        known = ", ".join(AccessRole)
        raise Invalid(f"role {text!r} is not one of {known}.", field="role") from None


def allows(held: AccessRole, needed: AccessRole) -> bool:
    return RANK[held] >= RANK[needed]
