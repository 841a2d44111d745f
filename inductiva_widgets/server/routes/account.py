"""`/version-check`, `/version` and the `/users/*` answers that `import inductiva` asks for.

A local storage server has no plans, credits or quotas; these answers are the smallest the
`inductiva` client accepts, so that a plain `import inductiva` works against this server.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter

from ..config import MIN_CLIENT_VERSION, SERVER_VERSION
from ..deps import State, User

router = APIRouter()


@router.get("/version-check", tags=["version"])
def version_check(client_version: str) -> dict[str, Any]:
    """Every client is accepted; only a 406 would stop the `inductiva` client."""
    return {
        "is_valid": True,
        "client_version": client_version,
        "server_version": SERVER_VERSION,
        "min_supported_client_version": MIN_CLIENT_VERSION,
    }


@router.get("/version", tags=["version"])
def version() -> dict[str, Any]:
    return {"version": SERVER_VERSION, "min_supported_client_version": MIN_CLIENT_VERSION}


@router.get("/users/info", tags=["users"])
def user_info(user: User) -> dict[str, Any]:
    return {
        "email": f"{user}@localhost",
        "username": user,
        "name": "Local storage user",
        "tier": "Local",
        "total_available_credits": 0.0,
        "credits_currency": "USD",
        "terms_and_conditions_decision": "accepted",
        "registration_ts": "2026-01-01T00:00:00+00:00",
        "costs_fee_percentage": 0,
        "terminate_resources_credits_threshold": 0,
    }


@router.get("/users/costs", tags=["users"])
def user_costs(state: State, user: User, start_year: int | None = None,
               start_month: int | None = None, end_year: int | None = None,
               end_month: int | None = None) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    storage = round(state.store.used_bytes(user) / 1e9 * state.config.price_per_gb_month, 6)
    # One entry at least: the client reads costs[0] unconditionally at import.
    return {
        "currency": "USD",
        "credits": 0.0,
        "costs": [{
            "month": f"{start_year or now.year}-{start_month or now.month:02d}",
            "total": storage,
            "components": {"compute": 0, "storage": storage, "data_transfer": 0,
                           "task_orchestration": 0},
            "type": "estimate",
        }],
    }


@router.get("/users/fees", tags=["users"])
def user_fees(user: User) -> dict[str, Any]:
    return {
        "costs_fee_percentage": {"amount": 0, "active": False, "unit": "%"},
        "task_orchestration_fee": {"amount": 0, "active": False, "active_since": None,
                                   "unit": "USD"},
    }


@router.get("/users/quotas", tags=["users"])
def user_quotas(user: User) -> dict[str, Any]:
    return {}
