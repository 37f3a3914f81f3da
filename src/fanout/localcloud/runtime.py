"""The whole offline runtime: local cloud, the project deployed into it, the Flink data plane, consumers.

with LocalRuntime() as rt:
    rt.deployment.outputs["LifecycleStateMachineArn"]
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from fanout.localcloud.deploy import LocalDeployment
from fanout.localcloud.event_sources import Delivered, KinesisEventSourceMapping
from fanout.localcloud.flink import TransitionDelays
from fanout.localcloud.flink_job import FlinkJobRunner, JobBatch, JobEvent
from fanout.localcloud.heap import FREEZE_SECONDS, HeapPacer
from fanout.localcloud.project import deploy_project
from fanout.localcloud.server import LocalCloud


class LocalRuntime:
    """Start everything with `with LocalRuntime(...) as rt:`; stop it all on exit."""

    def __init__(
        self,
        *,
        stack_name: str = "fanout-local",
        template: Path | None = None,
        delays: TransitionDelays | None = None,
        parameters: Mapping[str, str] | None = None,
        environment_overrides: Mapping[str, str] | None = None,
        on_delivered: Delivered | None = None,
        tick_seconds: float = 0.1,
        port: int = 0,
        on_job_event: JobEvent | None = None,
        on_job_batch: JobBatch | None = None,
        freeze_seconds: float | None = FREEZE_SECONDS,
    ) -> None:
        self.cloud = LocalCloud(delays=delays, port=port)
        self.stack_name = stack_name
        self.template = template
        self.parameters = parameters
        self.environment_overrides = environment_overrides
        self.on_delivered = on_delivered
        self.tick_seconds = tick_seconds
        self.on_job_event = on_job_event
        self.on_job_batch = on_job_batch
        self.mappings: list[KinesisEventSourceMapping] = []
        self.jobs: FlinkJobRunner | None = None
        self._deployment: LocalDeployment | None = None
        self.heap = HeapPacer(freeze_seconds) if freeze_seconds else None  # None: the collector as Python sets it
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="local-flink-ticker", daemon=True)

    @property
    def deployment(self) -> LocalDeployment:
        """What was deployed."""
        if self._deployment is None:
            raise RuntimeError("the runtime is not started")
        return self._deployment

    def client(self, service: str) -> Any:
        """A standard boto3 client of the local cloud."""
        return self.cloud.client(service)

    def start(self) -> LocalRuntime:
        """Start the cloud, deploy, attach the Flink data plane and the event source mappings."""
        self.cloud.start()
        try:
            self._deployment = deploy_project(
                self.cloud,
                template=self.template,
                stack_name=self.stack_name,
                parameters=self.parameters,
                environment_overrides=self.environment_overrides,
            )
            self.jobs = FlinkJobRunner(
                self.cloud.internal_client, self.cloud.flink, on_event=self.on_job_event, on_batch=self.on_job_batch
            )
            for function in self._deployment.functions.values():
                for source in function.event_sources:
                    mapping = KinesisEventSourceMapping(
                        self.cloud.internal_client, function, source, self.cloud.region, on_delivered=self.on_delivered
                    )
                    self.mappings.append(mapping)
                    mapping.start()
            if self.heap is not None:
                self.heap.start()
            self._ticker.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _tick(self) -> None:
        # Settle due transitions even when nobody polls (for example after `fanout app start`).
        while not self._stop.wait(self.tick_seconds):
            self.cloud.flink.applications()
            if self.heap is not None:
                self.heap.tick()

    def stop(self) -> None:
        """Stop consumers, jobs and the cloud."""
        self._stop.set()
        for mapping in self.mappings:
            mapping.stop()
        if self.jobs is not None:
            self.jobs.stop_all()
        if self._ticker.is_alive():
            self._ticker.join(5)
        if self.heap is not None:
            self.heap.stop()
        self.cloud.stop()

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()
