"""Read the SAM template as the offline runtime needs it: parameters, conditions, intrinsics, Globals.

Physical names are chosen up front (as CloudFormation would), so every Ref and GetAtt resolves
without creating anything. An intrinsic or attribute this module does not know is an error, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfn_tools import load_yaml

from fanout.sam.exceptions import TemplateNotFoundError, TemplateParameterError, UnsupportedTemplateError

_SUB = re.compile(r"\$\{([^}!]+)\}")


def find_template(explicit: Path | None = None) -> Path:
    """The project's template: explicit path > ./template.yaml or a parent's > the source checkout's."""
    if explicit is not None:
        if not explicit.is_file():
            raise TemplateNotFoundError(f"template {explicit} does not exist")
        return explicit
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "template.yaml").is_file() and (folder / "statemachines").is_dir():
            return folder / "template.yaml"
    checkout = Path(__file__).resolve().parents[3] / "template.yaml"  # src/fanout/sam/template.py
    if checkout.is_file():
        return checkout
    raise TemplateNotFoundError("template.yaml not found: run from the project folder or pass --template")


def load_template(path: Path) -> dict[str, Any]:
    """Load a YAML or JSON template, short-form intrinsics included."""
    return _plain(load_yaml(Path(path).read_text(encoding="utf-8")))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        raise TemplateParameterError(f"parameter {name}={value!r} is not one of {allowed}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError as exc:
            raise TemplateParameterError(f"parameter {name}={value!r} is not a number") from exc
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateParameterError(f"parameter {name}={value} is below its MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateParameterError(f"parameter {name}={value} is above its MaxValue {spec['MaxValue']}")
    pattern = spec.get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, value):
        raise TemplateParameterError(f"parameter {name}={value!r} does not match {pattern}")


@dataclass
class Stack:
    """A template with its parameters resolved and its physical names chosen."""

    template: dict[str, Any]
    name: str
    region: str
    account: str
    parameters: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def prepare(
        cls,
        template: dict[str, Any],
        *,
        name: str,
        region: str,
        account: str,
        overrides: Mapping[str, str] | None = None,
        naming: Any = None,
    ) -> Stack:
        """Validate the parameters and let `naming(stack, logical_id, resource)` choose physical ids."""
        params: dict[str, str] = {}
        specs = template.get("Parameters") or {}
        unknown = set(overrides or {}) - set(specs)
        if unknown:
            raise TemplateParameterError(f"unknown parameters: {', '.join(sorted(unknown))}")
        for pname, spec in specs.items():
            if overrides and pname in overrides:
                value = str(overrides[pname])
            elif "Default" in spec:
                value = str(spec["Default"])
            else:
                raise TemplateParameterError(f"parameter {pname} has no default and no value was given")
            _check_parameter(pname, spec, value)
            params[pname] = value
        stack = cls(template=template, name=name, region=region, account=account, parameters=params)
        for logical, resource in (template.get("Resources") or {}).items():
            if naming is not None and stack.condition_holds(resource.get("Condition")):
                ref, attrs = naming(stack, logical, resource)
                stack.refs[logical] = ref
                stack.attrs[logical] = attrs
        return stack

    # ------------------------------------------------------------- conditions
    def condition_holds(self, name: str | None) -> bool:
        """Evaluate a named condition (None holds)."""
        if name is None:
            return True
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise UnsupportedTemplateError(f"condition {name} is not defined")
        return bool(self.resolve(conditions[name]))

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources whose condition holds."""
        return {
            k: v for k, v in (self.template.get("Resources") or {}).items() if self.condition_holds(v.get("Condition"))
        }

    # ------------------------------------------------------------- intrinsics
    def pseudo(self, name: str) -> str:
        """AWS pseudo parameters."""
        values = {
            "AWS::StackName": self.name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.name}/local",
        }
        if name not in values:
            raise UnsupportedTemplateError(f"pseudo parameter {name} is not supported offline")
        return values[name]

    def ref(self, name: str) -> str:
        """Resolve Ref: a parameter, a pseudo parameter or a resource's physical id."""
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise UnsupportedTemplateError(f"Ref to {name}: no such parameter or resource (or its condition is false)")

    def get_att(self, logical: str, attr: str) -> str:
        """Resolve Fn::GetAtt."""
        attrs = self.attrs.get(logical)
        if attrs is None or attr not in attrs:
            raise UnsupportedTemplateError(f"Fn::GetAtt {logical}.{attr} is not supported offline")
        return attrs[attr]

    def _sub(self, text: str, local: Mapping[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            key = match.group(1).strip()
            if key in local:
                return str(local[key])
            if "." in key and not key.startswith("AWS::"):
                logical, attr = key.split(".", 1)
                return self.get_att(logical, attr)
            return self.ref(key)

        return _SUB.sub(replace, text).replace("${!", "${")

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic in `value`."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._intrinsic(key, arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(arg)
        if key == "Condition":
            return self.condition_holds(arg)
        if key == "Fn::GetAtt":
            logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(logical, attr)
        if key == "Fn::Sub":
            if isinstance(arg, list):
                return self._sub(arg[0], {k: self.resolve(v) for k, v in arg[1].items()})
            return self._sub(arg, {})
        if key == "Fn::Join":
            return str(arg[0]).join(str(self.resolve(v)) for v in self.resolve(arg[1]))
        if key == "Fn::If":
            return self.resolve(arg[1] if self.condition_holds(arg[0]) else arg[2])
        logic = {
            "Fn::Equals": lambda: str(self.resolve(arg[0])) == str(self.resolve(arg[1])),
            "Fn::Not": lambda: not self.resolve(arg[0]),
            "Fn::And": lambda: all(self.resolve(a) for a in arg),
            "Fn::Or": lambda: any(self.resolve(a) for a in arg),
        }
        if key in logic:
            return logic[key]()
        raise UnsupportedTemplateError(f"intrinsic {key} is not supported offline")

    def outputs(self) -> dict[str, str]:
        """The stack's Outputs, resolved."""
        out = {}
        for key, spec in (self.template.get("Outputs") or {}).items():
            if self.condition_holds(spec.get("Condition")):
                out[key] = str(self.resolve(spec["Value"]))
        return out

    def function_properties(self, logical: str) -> dict[str, Any]:
        """A function's properties with the template's Globals merged in (environment variables merged)."""
        resource = self.template["Resources"][logical]
        merged = dict((self.template.get("Globals") or {}).get("Function") or {})
        own = resource.get("Properties") or {}
        global_env = ((merged.get("Environment") or {}).get("Variables")) or {}
        own_env = ((own.get("Environment") or {}).get("Variables")) or {}
        merged.update(own)
        merged["Environment"] = {"Variables": {**global_env, **own_env}}
        return dict(self.resolve(merged))
