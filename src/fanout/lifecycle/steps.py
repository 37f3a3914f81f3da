"""The input of each lifecycle step, parsed from the state machine's state at the Lambda edge.

The state is the one source of truth for what a step works on: ``Validate request`` writes the application
name, the poll interval and the ceiling into ``$.request``, and every later step reads them from its input
(never again from its environment). A malformed input is an InvalidRequestError that names the field.

Example:
    >>> StopInput.parse({"applicationName": "app", "force": True}).force
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.models import Target

_EXPECTED = {
    "applicationName": "must be the application's name (1 to 128 of a-z, A-Z, 0-9, _ . -)",
    "force": "must be true or false",
    "deferSince": "must be an ISO 8601 time",
    "ceilingSeconds": "must be a whole number of seconds",
    "target": f"must be one of {', '.join(t.value for t in Target)}",
    "stopBegan": "must be an ISO 8601 time",
    "operationId": "must be an operation id",
    "since": "must be an ISO 8601 time",
}


class StepInput(BaseModel):
    """What every step after ``Validate request`` receives: the application it works on."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    application_name: str = Field(alias="applicationName", pattern=r"^[a-zA-Z0-9_.-]{1,128}$")

    @classmethod
    def parse(cls, event: Mapping[str, Any] | None) -> Self:
        """Validate a step's input; InvalidRequestError names the first field that is wrong."""
        if not isinstance(event, Mapping):
            raise InvalidRequestError(f"a step's input must be a JSON object, got {type(event).__name__}")
        try:
            return cls.model_validate(dict(event))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "input"
            got = "nothing" if error["type"] == "missing" else repr(event.get(field))
            expected = _EXPECTED.get(field, error["msg"])
            raise InvalidRequestError(f"'{field}' {expected}, got {got}") from exc


class StopInput(StepInput):
    """``Stop application`` and the forced stops."""

    force: StrictBool = False
    defer_since: str | None = Field(default=None, alias="deferSince")
    ceiling_seconds: StrictInt | None = Field(default=None, alias="ceilingSeconds", ge=1)
    action: str | None = None  # the request's action: "run" ends a window, where the application must exist


class CheckInput(StepInput):
    """``Check ... progress``: which settled status to wait for, and since when."""

    target: Target
    operation_id: str | None = Field(default=None, alias="operationId")
    since: str | None = None
    ceiling_seconds: StrictInt | None = Field(default=None, alias="ceilingSeconds", ge=1)


class RecordInput(StepInput):
    """``Record the resume position``: when the clean stop began."""

    stop_began: datetime = Field(alias="stopBegan")
