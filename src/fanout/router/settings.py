"""The router's settings, validated at the edge: explicit value > environment variable > default."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fanout import env
from fanout.router.exceptions import RouterConfigurationError


class RouterSettings(BaseModel):
    """What the router function needs: its SQL, the placeholders' values, its dead-letter queue."""

    model_config = ConfigDict(frozen=True)

    sql_file: Path
    properties: dict[str, str]
    dead_letter_queue_url: str | None = None
    max_put_attempts: int = Field(default=8, ge=1, le=20)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], default_sql_file: Path) -> RouterSettings:
        """Read the settings from ``environ``; RouterConfigurationError names what is wrong."""
        raw = environ.get(env.ROUTER_PROPERTIES, "")
        try:
            properties = json.loads(raw) if raw else None
        except json.JSONDecodeError as exc:
            raise RouterConfigurationError(f"{env.ROUTER_PROPERTIES} is not JSON: {exc}") from exc
        if not isinstance(properties, dict):
            raise RouterConfigurationError(f"{env.ROUTER_PROPERTIES} must be a JSON object of placeholder values")
        try:
            return cls.model_validate(
                {
                    "sql_file": environ.get(env.ROUTER_SQL_FILE) or default_sql_file,
                    "properties": {str(k): str(v) for k, v in properties.items()},
                    "dead_letter_queue_url": environ.get(env.ROUTER_DEAD_LETTER_QUEUE_URL) or None,
                    "max_put_attempts": environ.get(env.ROUTER_MAX_PUT_ATTEMPTS) or 8,
                }
            )
        except ValidationError as exc:
            raise RouterConfigurationError(
                f"router settings: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}"
            ) from exc

    def read_sql(self) -> str:
        """The SQL script's text."""
        try:
            return self.sql_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise RouterConfigurationError(f"cannot read the router's SQL {self.sql_file}: {exc}") from exc
