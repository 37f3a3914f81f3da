"""The offline runtime: a local cloud (moto, extended) that runs the template's resources on this machine."""

from __future__ import annotations
