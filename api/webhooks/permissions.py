"""Whose webhook it is: an integrator registers, lists and steers only its own; an administrator any."""

from __future__ import annotations

from api.auth import ADMIN, Principal


def owner_of(principal: Principal) -> str:
    """The name a webhook is registered under: the token's subject, or its role for a token without one."""
    return principal.subject or principal.role


def acting_for(principal: Principal) -> str | None:
    """Whose webhooks a command may touch: None lets an administrator reach every one."""
    return None if principal.role == ADMIN else owner_of(principal)
