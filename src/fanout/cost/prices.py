"""Prices the estimate uses: us-east-1 list prices by default, each with where it comes from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HOURS_PER_MONTH = 730.0
"""The month AWS's pricing pages and calculator use (8,760 h / 12)."""

FLINK_PRICING = "https://aws.amazon.com/managed-service-apache-flink/pricing/"
FLINK_BILLING = "https://docs.aws.amazon.com/managed-flink/latest/java/how-pricing.html"
KINESIS_PRICING = "https://aws.amazon.com/kinesis/data-streams/pricing/"
SFN_PRICING = "https://aws.amazon.com/step-functions/pricing/"


class Prices(BaseModel):
    """Unit prices (USD); override any of them with the `fanout cost` flags."""

    model_config = ConfigDict(frozen=True)

    kpu_hour: float = Field(default=0.11, ge=0)
    minimum_run_seconds: int = Field(default=600, ge=0)
    running_storage_gb_month: float = Field(default=0.10, ge=0)
    running_storage_gb_per_kpu: float = Field(default=50.0, ge=0)
    snapshot_gb_month: float = Field(default=0.023, ge=0)
    shard_hour: float = Field(default=0.015, ge=0)
    extended_retention_shard_hour: float = Field(default=0.02, ge=0)
    transitions_per_1000: float = Field(default=0.025, ge=0)


SOURCES: dict[str, str] = {
    "kpu_hour": f"Managed Flink, per KPU-hour billed per second, +1 orchestration KPU per app ({FLINK_PRICING})",
    "minimum_run_seconds": f"Managed Flink: ten-minute minimum charge per run ({FLINK_BILLING})",
    "running_storage_gb_month": f"Managed Flink running storage, per GB-month, billed apart ({FLINK_BILLING})",
    "running_storage_gb_per_kpu": f"Managed Flink: 50 GB of running storage come with each KPU ({FLINK_PRICING})",
    "snapshot_gb_month": f"Managed Flink durable application backups (snapshots), per GB-month ({FLINK_PRICING})",
    "shard_hour": f"Kinesis Data Streams provisioned mode, per shard-hour ({KINESIS_PRICING})",
    "extended_retention_shard_hour": f"Kinesis extended retention (24 h to 7 days), per shard-hour ({KINESIS_PRICING})",
    "transitions_per_1000": f"Step Functions Standard, per 1,000 state transitions ({SFN_PRICING})",
}
