"""Settings, read from the environment with the ORDERHUB_ prefix."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERHUB_", extra="ignore")

    database_url: str = "sqlite:///orderhub.db"
    default_tenant: str = "default"
    presale_lock_minutes: int = 30
    expiry_sweep_seconds: float = 30.0
    outbox_dispatch: bool = True
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
