"""The offline deploy of template.yaml: what it creates, and what it refuses or names as not emulated."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fanout.localcloud.deploy import LocalDeployment, deploy
from fanout.localcloud.exceptions import UnsupportedTemplateError
from tests.conftest import Cloud
from tests.support import ROOT

TEMPLATE = ROOT / "template.yaml"


def _template_copy(tmp_path: Path, function_properties: dict[str, object]) -> Path:
    """template.yaml beside links to the project's code, with extra properties on the positive consumer."""
    text = TEMPLATE.read_text()
    marker = "  PositiveConsumerFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    assert marker in text, "the template's positive consumer moved: update this test"
    lines = "".join(
        f"      {key}: {yaml.safe_dump(value, default_flow_style=True).strip()}\n"
        for key, value in function_properties.items()
    )
    for folder in ("functions", "statemachines", "src"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    copy = tmp_path / "template.yaml"
    copy.write_text(text.replace(marker, marker + lines, 1))
    return copy


def test_the_templates_function_properties_are_applied_or_named_as_not_emulated(
    deployment: LocalDeployment,
) -> None:
    # GIVEN/WHEN template.yaml deployed offline
    # THEN the function properties without a local effect are named, with their reason
    lines = deployment.not_emulated_by_reason()
    assert any(line.startswith("X-Ray tracing is off offline") for line in lines)
    assert any(line.startswith("LoggingConfig of 10 functions (function property)") for line in deployment.not_emulated)


@pytest.mark.parametrize(
    "extra, named",
    [
        ({"SnapStart": {"ApplyOn": "PublishedVersions"}}, "SnapStart"),
        ({"ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 1}}, "ProvisionedConcurrencyConfig"),
    ],
)
def test_a_function_property_the_runtime_does_not_know_is_an_error_not_skipped(
    cloud: Cloud, tmp_path: Path, extra: dict[str, object], named: str
) -> None:
    # GIVEN template.yaml with a function property the offline runtime does not implement
    template = _template_copy(tmp_path, extra)
    # WHEN it is deployed offline
    # THEN the deploy fails naming the function and the property, instead of ignoring it
    with pytest.raises(UnsupportedTemplateError, match=f"PositiveConsumerFunction: property {named}"):
        deploy(cloud.client, template, stack_name="fanout", region=cloud.region)
