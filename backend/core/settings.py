"""Application settings, read once from the environment through :func:`get_settings`."""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.demo_secrets import DEMO_SECRETS, LOCAL, refuse_demo_secrets


class Settings(BaseSettings):
    """Every setting of the backend; defaults are the embedded demo mode."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["local", "test", "staging", "production"] = "local"
    database_url: str = "sqlite:///./var/backend.db"
    # Demo secrets by default: accepted only when ENVIRONMENT=local (see _local_mode_only).
    secret_key: SecretStr = SecretStr(DEMO_SECRETS["SECRET_KEY"])
    action_service_key: SecretStr = SecretStr(DEMO_SECRETS["ACTION_SERVICE_KEY"])
    access_token_minutes: int = 60
    # A web chat sender id stops speaking for its account at logout, when its portal session
    # (or the access token that minted it) expires, and after this many minutes without a
    # message of its user through the portal's chat (backend/chat/service.py).
    chat_idle_minutes: int = 30
    public_base_url: str = "http://127.0.0.1:8000"
    # Rasa server on its private interface: the web gateway posts to its REST channel and the
    # handoff service appends events through its HTTP API (``--auth-token``).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_auth_token: SecretStr = SecretStr(DEMO_SECRETS["RASA_AUTH_TOKEN"])

    # Live handoff (backend/handoff): when agents answer ("Mon-Fri 08:00-18:00 Europe/Brussels";
    # outside these hours the bot offers a ticket), and where agent replies go on Slack/Teams.
    support_hours: str = "Mon-Fri 08:00-18:00 Europe/Brussels"
    slack_bot_token: SecretStr = SecretStr("")
    slack_api_base_url: str = "https://slack.com/api/"
    botframework_app_id: str = ""
    botframework_app_password: SecretStr = SecretStr("")
    botframework_token_url: str = (
        "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"  # noqa: S105
    )

    # Costly flows (backend/core/rate_limit.py): at most N created per account and per company
    # in a sliding window; 0 turns a limit off. Activations count every SIM/eSIM-creating
    # operation (activate_line, replace_sim) prepared; orders count prepared place_order.
    rate_limit_window_seconds: int = 3600
    rate_limit_activations_per_account: int = 20
    rate_limit_activations_per_company: int = 100
    rate_limit_payment_links_per_account: int = 30
    rate_limit_payment_links_per_company: int = 200
    rate_limit_orders_per_account: int = 20
    rate_limit_orders_per_company: int = 100
    # Access e-mails (backend/accounts): password-reset links per account and per e-mail address,
    # registration e-mails re-sent per invited account, in the same window. Over the limit a reset
    # request still gets the same neutral answer but no e-mail (so it reveals nothing).
    rate_limit_password_resets_per_account: int = 3
    rate_limit_password_resets_per_email: int = 5
    rate_limit_registration_emails_per_account: int = 5
    # The anonymous "forgot password" request answers after at least this long, whether or not
    # an e-mail went out, so that its timing does not reveal which numbers have an account.
    password_reset_min_seconds: float = 0.3
    # Login throttling (backend/accounts/throttle.py): after this many attempts per GSM number
    # (with or without an account) and per client address, each further one waits twice as long
    # as the previous (base, 2×base, … up to max); counts are forgotten a while after the last
    # attempt, and a success clears them. The Redis URL shares the counts between backend
    # processes (required in production); empty: each process counts alone (the demo).
    login_throttle_free_per_account: int = 5
    login_throttle_free_per_address: int = 20
    login_throttle_base_seconds: float = 1.0
    login_throttle_max_seconds: float = 900.0
    login_throttle_forget_seconds: int = 86400
    login_throttle_redis_url: SecretStr = SecretStr("")

    # Privacy (backend/privacy): web transcripts and ended handoffs older than this are deleted
    # by `python -m backend.privacy` (the tracker store's by `python -m bot.retention`).
    conversation_retention_days: int = 90

    mail_backend: Literal["outbox", "smtp"] = "outbox"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Portail Business Mobile <no-reply@business-mobile.example>"
    smtp_starttls: bool = False

    @model_validator(mode="after")
    def _local_mode_only(self) -> Settings:
        # A deployment that forgets a secret fails at start-up instead of accepting tokens signed
        # with a publicly known key; the outbox shows every e-mail's links and eSIM codes.
        def value(secret: SecretStr | None) -> str | None:
            return None if secret is None else secret.get_secret_value()

        refuse_demo_secrets(
            self.environment,
            {
                "SECRET_KEY": value(self.secret_key),
                "ACTION_SERVICE_KEY": value(self.action_service_key),
                "RASA_AUTH_TOKEN": value(self.rasa_auth_token),
                "SLACK_BOT_TOKEN": value(self.slack_bot_token),
                "BOTFRAMEWORK_APP_PASSWORD": value(self.botframework_app_password),
                "SMTP_PASSWORD": value(self.smtp_password),
            },
        )
        if self.environment != LOCAL and self.mail_backend == "outbox":
            raise ValueError("MAIL_BACKEND=outbox exists only in ENVIRONMENT=local: use smtp")
        return self

    @model_validator(mode="after")
    def _shared_login_throttle_in_production(self) -> Settings:
        # Several backend processes each counting alone would multiply the allowed guesses.
        shared = self.login_throttle_redis_url.get_secret_value()
        if self.environment == "production" and not shared:
            raise ValueError("LOGIN_THROTTLE_REDIS_URL must be set in production")
        return self

    @property
    def base_url(self) -> str:
        """Public base URL without a trailing slash, for links in e-mails."""
        return self.public_base_url.rstrip("/")


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings (read from the environment on first use)."""
    return Settings()
