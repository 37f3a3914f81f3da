"""Run a Lambda handler in-process: its code directory, its environment, a Lambda context.

An exception becomes a Lambda function error (`errorType` is the exception's class name), as on AWS,
so the state machine's Retry and Catch match the same names. Every AWS API call a handler makes is recorded
on its function (``FunctionCode.api_calls``): IAM is not enforced offline, so tests check these calls against
each function's role in the template.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ENV_LOCK = threading.RLock()  # os.environ is the process's: one invocation overlays it at a time
_CALLER: ContextVar[FunctionCode | None] = ContextVar("fanout_lambda_caller", default=None)
_RECORDING = threading.Lock()  # guards the one-time wrapping of botocore's API call


def _record_api_calls() -> None:
    """Wrap botocore's API call once, so calls made inside a handler are recorded under its function."""
    from botocore.client import BaseClient

    with _RECORDING:
        if getattr(BaseClient._make_api_call, "_fanout_recorded", False):
            return
        original = BaseClient._make_api_call

        def recorded(self: Any, operation_name: str, api_params: Any) -> Any:
            caller = _CALLER.get()
            if caller is not None:
                caller.api_calls.add((self.meta.service_model.service_id.hyphenize(), operation_name))
            return original(self, operation_name, api_params)

        recorded._fanout_recorded = True  # type: ignore[attr-defined]
        BaseClient._make_api_call = recorded


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 128
    timeout_seconds: int = 60
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        """What is left of the timeout (the local runtime does not enforce it)."""
        return self.timeout_seconds * 1000


@dataclass
class FunctionCode:
    """Where a function's code lives and how to call it."""

    code_dir: Path
    handler: str
    environment: dict[str, str] = field(default_factory=dict)
    memory_mb: int = 128
    timeout_seconds: int = 60
    api_calls: set[tuple[str, str]] = field(default_factory=set, compare=False)
    """The (botocore service id, operation) pairs its handler called."""
    _handler: Callable[[Any, Any], Any] | None = field(default=None, init=False, repr=False, compare=False)

    def handler_function(self) -> Callable[[Any, Any], Any]:
        """The handler, imported on the first invocation."""
        if self._handler is None:
            self._handler = load_handler(self.code_dir, self.handler)
        return self._handler


@contextmanager
def _environment(overlay: Mapping[str, str]) -> Iterator[None]:
    """Overlay variables for one invocation; only those keys change, so other threads keep their endpoint."""
    with _ENV_LOCK:
        saved = {key: os.environ.get(key) for key in overlay}
        os.environ.update({k: str(v) for k, v in overlay.items()})
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def load_handler(code_dir: Path, handler: str) -> Callable[[Any, Any], Any]:
    """Import `module.function` from a function's code directory (a new module object on every call)."""
    module_name, _, func_name = handler.rpartition(".")
    path = code_dir / (module_name.replace(".", "/") + ".py")
    unique = f"_fanout_fn_{abs(hash((str(code_dir.resolve()), module_name)))}_{module_name.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None or not path.exists():
        raise FileNotFoundError(f"handler module {path} not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise AttributeError(f"{handler}: {func_name} is not a function of {module_name}")
    return func


def invoke(code: FunctionCode, event: Any, *, function_name: str, function_arn: str, region: str) -> tuple[Any, bool]:
    """Call the handler; returns (result, False), or ({errorType, errorMessage, stackTrace}, True)."""
    overlay = {
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(code.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        **code.environment,
    }
    context = LambdaContext(
        function_name=function_name,
        invoked_function_arn=function_arn,
        memory_limit_in_mb=code.memory_mb,
        timeout_seconds=code.timeout_seconds,
    )
    _record_api_calls()
    token = _CALLER.set(code)
    with _environment(overlay):
        try:
            handler = code.handler_function()
            return handler(event, context), False
        except Exception as exc:  # the runtime reports every handler error as a function error
            return {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc)[-5:],
            }, True
        finally:
            _CALLER.reset(token)
