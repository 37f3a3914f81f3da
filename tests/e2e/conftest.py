"""Every e2e test also checks IAM, which is not enforced offline: each AWS call a function made must be allowed
by that function's role in the transformed template (tests/iam.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fanout.localcloud import lambda_runtime
from tests.iam import function_roles, iam_action, role_actions


def _logical(function_name: str, logicals: list[str]) -> str | None:
    found = [logical for logical in logicals if logical in function_name]
    return max(found, key=len) if found else None


@pytest.fixture(autouse=True)
def calls_allowed_by_each_role(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """After the test, every recorded call of a template function is allowed by its own role."""
    invoked: dict[int, tuple[str, lambda_runtime.FunctionCode]] = {}
    invoke = lambda_runtime.invoke

    def observed(code: lambda_runtime.FunctionCode, event: Any, **kwargs: Any) -> tuple[Any, bool]:
        invoked[id(code)] = (kwargs["function_name"], code)
        return invoke(code, event, **kwargs)

    monkeypatch.setattr(lambda_runtime, "invoke", observed)
    yield
    calls: dict[str, set[tuple[str, str]]] = {}
    for name, code in invoked.values():
        calls.setdefault(name, set()).update(code.api_calls)
    roles = function_roles()
    denied = []
    for name, made in calls.items():
        logical = _logical(name, list(roles))
        if logical is None:
            continue  # not a function of template.yaml
        allowed = role_actions(roles[logical])
        denied += [f"{logical}: {iam_action(*call)}" for call in sorted(made) if iam_action(*call) not in allowed]
    assert not denied, f"calls its role does not allow (AWS would answer AccessDenied): {denied}"
