"""The data plane of the local Managed Flink: while an application is RUNNING, run its SQL.

The SQL comes from the application's own artifact (the S3 object its code configuration points at), with
the placeholders filled from its runtime properties, and runs in the local route executor. The job reads
every shard of the source stream with the shard reader (fanout.streams.ShardReader: reshards, throttling,
expired iterators) and writes each sink with PutRecords, retrying failed entries until they land. A shard's
position moves only after every sink accepted the batch, so a snapshot (taken after the job has drained)
resumes exactly there: nothing lost, nothing replayed.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fanout.artifact.inspect import artifact_runtime
from fanout.lifecycle.spec import APPLICATION_PROPERTIES_GROUP, RUN_OPTIONS_GROUP
from fanout.lifecycle.status import ApplicationStatus
from fanout.localcloud.exceptions import LocalCloudError
from fanout.localcloud.flink import LocalApplication, LocalFlink
from fanout.producer import Entry, RetryPolicy, put_records
from fanout.routes import RouteExecutor, parse_script, substitute
from fanout.runtimes import DEFAULT_RUNTIME, restart_metric
from fanout.streams.position import StartPosition
from fanout.streams.reader import ShardReader

GET_RECORDS_MAX = 10_000
"""Records per GetRecords, as the connector's ``source.shard.get-records.max-record-count`` default."""
SINK_RETRY = RetryPolicy(max_attempts=10_000, base_seconds=0.02, max_seconds=0.5)


RESTART_NAMESPACE = "AWS/KinesisAnalytics"
"""Where Managed Flink publishes its restart count (``fullRestarts``, ``numRestarts`` on 2.2; dimension
``Application``); the local job does the same."""

JobEvent = Callable[[str, str], None]
"""Told of a job's failures and restarts: (application name, message)."""

JobBatch = Callable[[str, list[dict[str, Any]], float, float, float], None]
"""Told of each batch a job wrote: (application name, the input records as GetRecords gave them, and the epoch
seconds when they were read, routed and written to every sink). The latency benchmark's stage clock."""


@dataclass
class JobStats:
    """What a job did."""

    records_in: int = 0
    records_out: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    put_retries: int = 0
    restarts: int = 0


def _stream_name(arn: str) -> str:
    if ":stream/" not in arn:
        raise LocalCloudError(f"'stream.arn' must be a Kinesis stream ARN, got {arn!r}")
    return arn.split(":stream/", 1)[1]


def load_artifact(s3: Any, app: LocalApplication) -> bytes:
    """The application's artifact: the S3 object (and version) its code configuration points at."""
    code = (app.configuration.get("ApplicationCodeConfiguration") or {}).get("CodeContent") or {}
    location = code.get("S3ContentLocation") or {}
    bucket = str(location.get("BucketARN", "")).rsplit(":", 1)[-1]
    args = {"Bucket": bucket, "Key": location.get("FileKey", "")}
    if location.get("ObjectVersion"):
        args["VersionId"] = location["ObjectVersion"]
    return bytes(s3.get_object(**args)["Body"].read())


def application_sql(artifact: bytes, app: LocalApplication) -> str:
    """The SQL file inside the artifact, with its placeholders substituted."""
    with zipfile.ZipFile(io.BytesIO(artifact)) as zf:
        names = [n for n in zf.namelist() if n.endswith(".sql")]
        if not names:
            raise LocalCloudError(f"the artifact of {app.name} holds no .sql file")
        sql = zf.read(sorted(names)[0]).decode("utf-8")
    return substitute(sql, app.property_groups().get(APPLICATION_PROPERTIES_GROUP, {}))


def connector_failure(artifact: bytes, app: LocalApplication) -> str:
    """Why the job cannot start with the artifact's connector jar on the application's runtime, as Flink fails it
    ("" when it can): the ``jarfile`` run option names a jar the zip lacks, or a connector of another Flink line
    (a 1.20 connector on 2.2 fails on the classes 2.x removed)."""
    jar = app.property_groups().get(RUN_OPTIONS_GROUP, {}).get("jarfile", "")
    contents = artifact_runtime(artifact)
    with zipfile.ZipFile(io.BytesIO(artifact)) as zf:
        names = set(zf.namelist())
    if jar and jar not in names:
        return f"java.io.FileNotFoundException: the jarfile run option names {jar}, which the artifact does not hold"
    if jar and contents.jar == jar and contents.runtime not in (None, app.runtime):
        return (
            f"java.lang.NoClassDefFoundError: {jar} is the Kinesis connector for {contents.runtime}, and the "
            f"application runs {app.runtime}: publish the artifact built for {app.runtime}"
        )
    return ""


INIT_POSITIONS = frozenset({"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"})


def _init_timestamp(options: dict[str, str]) -> datetime:
    """``source.init.timestamp`` as the connector reads it: its default format (``yyyy-MM-dd'T'HH:mm:ss.SSSXXX``),
    else seconds since the epoch; LocalCloudError when it is neither (the connector refuses to start)."""
    text = options.get("source.init.timestamp", "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        raise LocalCloudError(
            f"source.init.position is AT_TIMESTAMP but source.init.timestamp is {text!r}: neither "
            "yyyy-MM-ddTHH:mm:ss.SSSXXX nor seconds since the epoch"
        ) from None


class LocalJob:
    """One running job: a thread that routes the source's shards into the sinks."""

    def __init__(
        self,
        client: Callable[[str], Any],
        sql: str,
        positions: dict[str, str],
        *,
        max_records: int = GET_RECORDS_MAX,
        idle_sleep: float = 0.02,
        application: str = "",
        restart_delay: float = 1.0,
        on_event: JobEvent | None = None,
        runtime: str = DEFAULT_RUNTIME,
        startup_failure: str = "",
        on_batch: JobBatch | None = None,
    ) -> None:
        script = parse_script(sql)
        self.executor = RouteExecutor.from_sql(sql, runtime=runtime)  # as the application's runtime routes
        self.runtime = runtime
        self.restart_metric = restart_metric(runtime)
        sinks = set(self.executor.sinks)
        sources = [t for name, t in script.tables.items() if name not in sinks]
        if len(sources) != 1:
            raise LocalCloudError(f"expected one source table, found {[t.name for t in sources]}")
        self.source = _stream_name(sources[0].options.get("stream.arn", ""))
        options = sources[0].options
        self.init_position = options.get("source.init.position", "LATEST").upper()
        self.init_timestamp = _init_timestamp(options) if self.init_position == "AT_TIMESTAMP" else None
        kind = self.init_position if self.init_position in INIT_POSITIONS else "LATEST"
        self.start_position = StartPosition(kind, self.init_timestamp)
        self.sinks = {name: _stream_name(script.tables[name].options.get("stream.arn", "")) for name in sinks}
        self.positions = dict(positions)
        self.stats = JobStats(records_out={name: 0 for name in sinks})
        self.max_records = max_records
        self.idle_sleep = idle_sleep
        self.application = application
        self.restart_delay = restart_delay
        self.on_event = on_event
        self.on_batch = on_batch
        self._client = client
        self._kinesis = client("kinesis")
        self.startup_failure = startup_failure  # a job that fails as it starts restarts for ever, as in Flink
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"flink-job-{self.source}", daemon=True)
        self.error: Exception | None = None

    def start(self) -> None:
        """Start routing."""
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> dict[str, str]:
        """Finish the batch in hand, stop, and return the positions a snapshot keeps."""
        self._stop.set()
        self._thread.join(timeout)
        return dict(self.positions)

    def _run(self) -> None:
        """Route until stopped; after a failure, restart from the last checkpoint, as Managed Flink does.

        The checkpoint is ``positions``: a shard's position moves only once its whole batch is written, so a
        restart never emits again what a checkpoint covers (the part of a batch written before the failure
        is written again: Flink's Kinesis sink is at-least-once between checkpoints).
        """
        while not self._stop.is_set():
            try:
                self._consume()
            except Exception as exc:  # any failure of the job: Flink restarts it, it does not just stop
                self.error = exc
                self.stats.restarts += 1
                self._publish_restarts()
                self._tell(
                    f"job failed ({type(exc).__name__}: {exc}); restart {self.stats.restarts} from the last "
                    f"checkpoint in {self.restart_delay:g} s"
                )
                self._stop.wait(self.restart_delay)

    def _consume(self) -> None:
        """Read every shard from the checkpoint (else the init position) and route each batch in hand."""
        if self.startup_failure:
            raise LocalCloudError(self.startup_failure)
        reader = ShardReader(self._kinesis, self.source, self.start_position, positions=self.positions, poll_seconds=0)
        reader.begin()
        while not self._stop.is_set():
            moved = False
            for shard in reader.due():
                batch = reader.read(shard, limit=self.max_records)
                if batch.records:
                    self._route(shard, batch.records, time.time())
                    moved = True
            if not moved:
                self._stop.wait(self.idle_sleep)

    def _tell(self, message: str) -> None:
        if self.on_event is not None:
            self.on_event(self.application, message)

    def _publish_restarts(self) -> None:
        """The restart count in CloudWatch, as Managed Flink publishes it (fullRestarts; numRestarts on 2.2), best
        effort: it never fails the job."""
        if not self.application:
            return
        try:
            self._client("cloudwatch").put_metric_data(
                Namespace=RESTART_NAMESPACE,
                MetricData=[
                    {
                        "MetricName": self.restart_metric,
                        "Dimensions": [{"Name": "Application", "Value": self.application}],
                        "Value": float(self.stats.restarts),
                        "Unit": "Count",
                    }
                ],
            )
        except Exception as exc:  # the metric is a report, never a reason to stop
            self._tell(f"could not publish {self.restart_metric}: {exc}")

    def _route(self, shard: str, records: list[dict[str, Any]], read_at: float) -> None:
        routed = self.executor.execute([r["Data"] for r in records])
        routed_at = time.time()
        for sink, rows in routed.items():
            if not rows:
                continue
            entries = [Entry(i, payload, uuid.uuid4().hex) for i, payload in rows]
            report = put_records(self._kinesis, self.sinks[sink], entries, retry=SINK_RETRY)
            if not report.complete:
                raise LocalCloudError(f"sink {sink}: {len(report.failed) + len(report.rejected)} records not written")
            self.stats.records_out[sink] += report.sent
            self.stats.put_retries += report.retried
        self.stats.records_in += len(records)
        self.stats.batches += 1
        self.positions[shard] = records[-1]["SequenceNumber"]
        if self.on_batch is not None:
            self.on_batch(self.application, records, read_at, routed_at, time.time())


class FlinkJobRunner:
    """Starts a job when an application reaches RUNNING and stops it when it leaves, keeping positions."""

    def __init__(
        self,
        client: Callable[[str], Any],
        flink: LocalFlink,
        on_event: JobEvent | None = None,
        on_batch: JobBatch | None = None,
    ) -> None:
        self.client = client
        self.flink = flink
        self.on_event = on_event
        self.on_batch = on_batch
        self.jobs: dict[str, LocalJob] = {}
        self.stopped_positions: dict[str, dict[str, str]] = {}
        self.finished: dict[str, list[LocalJob]] = {}
        flink.listeners.append(self.on_status)
        flink.snapshot_state = self.snapshot_state

    def on_status(self, app: LocalApplication, old: str, new: str) -> None:
        """Listener of the local control plane."""
        if new == ApplicationStatus.RUNNING:
            self._start(app, resume=old in (ApplicationStatus.UPDATING, ApplicationStatus.MAINTENANCE))
        elif old in {ApplicationStatus.RUNNING, ApplicationStatus.AUTOSCALING} or new in {
            ApplicationStatus.FORCE_STOPPING,
            ApplicationStatus.DELETING,
        }:
            self._stop(app)

    def _start(self, app: LocalApplication, *, resume: bool) -> None:
        if app.name in self.jobs:
            return
        # An update resumes where the job was; a start restores the snapshot's positions, and SKIP_RESTORE
        # (or no snapshot yet) follows source.init.position.
        if resume:
            positions = self.stopped_positions.get(app.name, {})
        elif app.restored_from is not None:
            positions = dict(app.restored_from.state.get("positions", {}))
        else:
            positions = {}
        artifact = load_artifact(self.client("s3"), app)
        failure = self.flink.faults.job_failure(app.runtime) or connector_failure(artifact, app)
        job = LocalJob(
            self.client,
            application_sql(artifact, app),
            positions,
            application=app.name,
            on_event=self.on_event,
            runtime=app.runtime,
            startup_failure=failure,
            on_batch=self.on_batch,
        )
        self.jobs[app.name] = job
        job.start()

    def _stop(self, app: LocalApplication) -> None:
        job = self.jobs.pop(app.name, None)
        if job is not None:
            self.stopped_positions[app.name] = job.stop()
            self.finished.setdefault(app.name, []).append(job)

    def snapshot_state(self, app: LocalApplication) -> dict[str, Any]:
        """What a snapshot of `app` holds: the positions its last job reached."""
        return {"positions": dict(self.stopped_positions.get(app.name, {}))}

    def stop_all(self) -> None:
        """Stop every running job (shutdown)."""
        for name in list(self.jobs):
            job = self.jobs.pop(name)
            self.stopped_positions[name] = job.stop()
