"""Settings of the action server, read once from the environment."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ActionSettings(BaseSettings):
    """Environment of the action server (see the README's configuration table)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    backend_url: str = Field(default="http://127.0.0.1:8000", alias="BACKEND_URL")
    # Must equal the backend's ACTION_SERVICE_KEY; this default matches the backend's local default.
    action_service_key: SecretStr = Field(
        default=SecretStr("dev-action-service-key"), alias="ACTION_SERVICE_KEY"
    )
    backend_timeout_seconds: float = Field(default=5.0, gt=0, alias="BACKEND_TIMEOUT_SECONDS")


@lru_cache
def get_settings() -> ActionSettings:
    """Return the settings, parsed on first use (never at import time)."""
    return ActionSettings()
