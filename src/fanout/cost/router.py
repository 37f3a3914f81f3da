"""The Lambda engine's month at a record rate, and the rate where Managed Flink becomes the cheaper engine.

The router runs on every batch the event source mapping hands it, all month. Its cost is Lambda's requests
and GB-seconds: a batch of n records costs ``cpu_ms_per_1000 * n / 1000`` of CPU (measured by ``fanout bench``;
below 1,769 MB a function gets that share of a vCPU, so its duration stretches by 1,769 / memory) plus the
PutRecords round trips. The streams cost the same with either engine and are counted in both totals.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from fanout.cost.estimate import CostLine, Variant
from fanout.cost.exceptions import CostInputError
from fanout.cost.prices import HOURS_PER_MONTH

LAMBDA_PRICING = "https://aws.amazon.com/lambda/pricing/"
FULL_VCPU_MB = 1769
"""Lambda gives a function one vCPU at 1,769 MB of memory, and that share of one below it."""
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
MAX_RATE = 1_000_000.0


class RouterPrices(BaseModel):
    """Lambda's us-east-1 x86 list prices (override with the `fanout cost` flags)."""

    model_config = ConfigDict(frozen=True)

    gb_second: float = Field(default=0.0000166667, ge=0)
    requests_per_million: float = Field(default=0.20, ge=0)


ROUTER_SOURCES: dict[str, str] = {
    "gb_second": f"Lambda x86 compute, per GB-second, billed per ms ({LAMBDA_PRICING})",
    "requests_per_million": f"Lambda requests, per million ({LAMBDA_PRICING})",
}


class RouterLoad(BaseModel):
    """The traffic and the router's settings."""

    model_config = ConfigDict(frozen=True)

    rate: float = Field(ge=0, le=MAX_RATE, description="records per second, averaged over the month")
    input_shards: int = Field(default=1, ge=1)
    batch_size: int = Field(default=500, ge=1, le=10_000)
    batching_window_seconds: float = Field(default=1.0, ge=0, le=300)
    memory_mb: int = Field(default=256, ge=128, le=10_240)
    # the evaluator took 3.6 to 4.1 ms per 1,000 records of 100 bytes of sql/fanout.sql through its generated fast
    # path (fanout bench, 2026-12-03); a script outside the fast path's language takes about 20
    cpu_ms_per_1000: float = Field(default=5.0, gt=0, description="router CPU per 1,000 records")
    io_ms_per_batch: float = Field(default=30.0, ge=0, description="PutRecords round trips per batch")

    def records_per_batch(self) -> float:
        """How many records a batch holds: a shard is polled about once a second, or after the window."""
        per_shard = self.rate / self.input_shards
        return max(1.0, min(float(self.batch_size), per_shard * max(self.batching_window_seconds, 1.0)))

    def batch_seconds(self) -> float:
        """The billed duration of one batch."""
        stretch = max(1.0, FULL_VCPU_MB / self.memory_mb)
        return self.cpu_ms_per_1000 * self.records_per_batch() / 1000 / 1000 * stretch + self.io_ms_per_batch / 1000


def router_month(load: RouterLoad, stream_lines: list[CostLine], prices: RouterPrices | None = None) -> Variant:
    """The Lambda engine's month at ``load``, with the streams' lines (the same for either engine)."""
    prices = prices or RouterPrices()
    invocations = load.rate * SECONDS_PER_MONTH / load.records_per_batch() if load.rate else 0.0
    gb_seconds = invocations * load.batch_seconds() * load.memory_mb / 1024
    return Variant(
        name="router (Lambda)",
        flink_hours=0.0,
        lines=[
            CostLine(
                item="Lambda requests",
                quantity=round(invocations / 1e6, 3),
                unit="1M requests",
                unit_price=prices.requests_per_million,
                monthly=invocations / 1e6 * prices.requests_per_million,
                note=f"{load.records_per_batch():.0f} records per batch",
            ),
            CostLine(
                item="Lambda compute",
                quantity=round(gb_seconds, 3),
                unit="GB-second",
                unit_price=prices.gb_second,
                monthly=gb_seconds * prices.gb_second,
                note=f"{load.memory_mb} MB, {load.batch_seconds() * 1000:.1f} ms per batch",
            ),
            *stream_lines,
        ],
    )


def crossover_rate(
    flink_total: float, load: RouterLoad, stream_lines: list[CostLine], prices: RouterPrices | None = None
) -> float | None:
    """The rate (records/s) above which the router costs more than ``flink_total`` a month: None when it costs
    more even with no records, MAX_RATE when it is still cheaper at MAX_RATE."""
    if flink_total < 0:
        raise CostInputError("the Flink total must be >= 0")

    def router_at(rate: float) -> float:
        return router_month(load.model_copy(update={"rate": rate}), stream_lines, prices).total

    if router_at(0.0) >= flink_total:
        return None
    if router_at(MAX_RATE) < flink_total:
        return MAX_RATE
    low, high = 0.0, MAX_RATE
    for _ in range(100):  # the router's month grows with the rate: bisect to a fraction of a record per second
        middle = (low + high) / 2
        if router_at(middle) < flink_total:
            low = middle
        else:
            high = middle
        if high - low < 0.01:
            break
    return round(low, 2)


def cost_per_million(load: RouterLoad, prices: RouterPrices | None = None) -> float:
    """What routing a million records costs in Lambda (requests and compute) at ``load``'s batch size."""
    prices = prices or RouterPrices()
    invocations = 1e6 / load.records_per_batch()
    gb_seconds = invocations * load.batch_seconds() * load.memory_mb / 1024
    return invocations / 1e6 * prices.requests_per_million + gb_seconds * prices.gb_second
