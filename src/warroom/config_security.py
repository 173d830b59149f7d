"""The `[security]` table of the config file: throttles, rate limits and what must be
signed or authenticated. Every limit here is kept in memory by each server process."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.sources import KINDS


class SecurityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Alerts each integration may send: a token bucket refilled at `integration_rate`
    # alerts a second, holding at most `integration_burst` (also the most one request may
    # carry); rate 0: no limit. Over it: 429 with Retry-After. The defaults take a storm
    # of 20,000 alerts at once and 1,000 a second after it, and stop a sender that keeps
    # flooding; set them to what your senders need (e.g. 50 a second, a burst of 1,000).
    integration_rate: float = Field(default=1_000.0, ge=0)
    integration_burst: int = Field(default=20_000, ge=1)
    # Integrations of these kinds must sign their requests (X-Warroom-Signature).
    signed_kinds: tuple[str, ...] = ()
    # Failed sign-ins allowed in `login_window_seconds`, per user name and per address.
    login_failures_per_name: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # At most this many password hashes checked at once (each takes ~64 MiB for a moment).
    concurrent_password_checks: int = Field(default=2, ge=1)
    # When set, GET /metrics needs `Authorization: Bearer <metrics_token>`.
    metrics_token: str | None = Field(default=None, min_length=16)

    @field_validator("signed_kinds")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for kind in value:
            if kind not in KINDS:
                raise ValueError(f"{kind!r} is not one of {', '.join(KINDS)}")
        return value
