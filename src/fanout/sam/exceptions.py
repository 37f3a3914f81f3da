"""Errors reading a SAM template."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class TemplateError(FanoutError):
    """Base of the template reader's errors."""


class UnsupportedTemplateError(TemplateError):
    """The template uses a resource type, intrinsic or property that cannot be reproduced here."""


class TemplateParameterError(TemplateError):
    """A template parameter value is missing or breaks its constraints."""


class TemplateNotFoundError(TemplateError):
    """No template.yaml where it was looked for."""
