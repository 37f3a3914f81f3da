"""The offline runtime: a local cloud (moto, extended) that runs the template's resources on this machine."""

from __future__ import annotations

import importlib.util

from fanout.localcloud.exceptions import OfflineRuntimeMissingError

EXTRA_MODULES = ("moto", "flask", "werkzeug")
"""What the ``local`` extra installs that only the offline runtime imports (moto[server])."""


def require_offline_runtime() -> None:
    """Raise OfflineRuntimeMissingError unless the ``local`` extra is installed (this package's submodules
    import moto; the rest of the tools do not)."""
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise OfflineRuntimeMissingError(
            f"the offline runtime needs {', '.join(missing)}, which this installation lacks: "
            "pip install 'kinesis-fanout[local]' (make venv installs it)"
        )
