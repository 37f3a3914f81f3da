"""Everything the offline runtime adds to or patches in moto, in one place.

1. kinesisanalyticsv2: moto has only create/describe/list (and a wrong status). Every action the lifecycle
   uses is served by `LocalFlink` through methods on moto's `KinesisAnalyticsV2Response`.
2. Lambda: moto's Docker-less backend echoes payloads. `LambdaSimpleBackend.invoke` is replaced so that
   registered functions run their real handler in-process (`lambda_runtime.invoke`).
3. Speed, with the same bytes on the wire (the offline data plane is bound by one process's CPU):
   - the server's dispatcher listed moto's package folder (a stat per service) on every request; the list
     is made once (`_cache_moto_modules`);
   - Kinesis PutRecords and GetRecords answers are written with json.dumps instead of moto's generic,
     model-driven serializer, which spent more than half of the server's time on them (`_kinesis_json`);
     tests/functional/test_moto_ext.py compares both serializers' answers.

tests/functional/test_moto_ext.py fails loudly if a moto upgrade removes what these patches rely on.
"""

from __future__ import annotations

import base64
import calendar
import json
import threading
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from fanout.localcloud import lambda_runtime
from fanout.localcloud.exceptions import LocalServiceError, MotoCompatibilityError
from fanout.localcloud.flink import LocalApplication, LocalFlink, Operation, Snapshot

MOTO_CONFIG: Mapping[str, Any] = MappingProxyType(
    {
        "lambda": {"use_docker": False},
        "stepfunctions": {"execute_state_machine": True},
    }
)
"""moto's configuration for the offline runtime (decorator mode and `POST /moto-api/config` alike)."""

_INSTALL_LOCK = threading.Lock()  # guards the one-time patching of moto's classes (see install)
_PATCHED = "_fanout_patched"  # marks a moto class as patched: the process-wide patches are applied once
_FUNCTIONS = "fanout_functions"  # the attribute of a LambdaSimpleBackend that holds its local functions
_FAULTS = "fanout_faults"  # the attribute of a KinesisBackend that holds its armed faults


class KinesisFaults:
    """PutRecords partial failures to inject (moto never fails an entry on its own)."""

    def __init__(self) -> None:
        self._plans: dict[str, list[int]] = {}
        self.injected: dict[str, int] = {}
        self._lock = threading.Lock()

    def fail_entries(self, stream_name: str, *, every: int = 2, times: int = 10) -> None:
        """Fail every `every`-th entry put to `stream_name` with ProvisionedThroughputExceeded, `times` times."""
        with self._lock:
            self._plans[stream_name] = [every, times, 0]

    def clear(self) -> None:
        """Disarm every plan."""
        with self._lock:
            self._plans.clear()
            self.injected.clear()

    def should_fail(self, stream_name: str) -> bool:
        """Whether the next entry to `stream_name` fails (consumes the plan)."""
        with self._lock:
            plan = self._plans.get(stream_name)
            if not plan or plan[1] <= 0:
                return False
            plan[2] += 1
            if plan[2] % plan[0]:
                return False
            plan[1] -= 1
            self.injected[stream_name] = self.injected.get(stream_name, 0) + 1
            return True


# --------------------------------------------------------------------- state, kept on moto's backends
# What the offline runtime adds lives on the moto backend of its account and region (moto's own state), so a
# moto reset forgets it with everything else, and nothing of it is a global of this package.
def _attached(backend: Any, attribute: str, make: Callable[[], Any]) -> Any:
    """``backend.<attribute>``, made on first use (dict.setdefault: one wins if two threads race)."""
    state = backend.__dict__.get(attribute)
    if state is None:
        state = backend.__dict__.setdefault(attribute, make())
    return state


def local_flink(account: str, region: str) -> LocalFlink:
    """The local Managed Flink of an account and region (made on first use, with default delays)."""
    from moto.kinesisanalyticsv2.models import kinesisanalyticsv2_backends

    backend = kinesisanalyticsv2_backends[account][region]
    return cast(LocalFlink, _attached(backend, "fanout_flink", lambda: LocalFlink(account, region)))


def functions(account: str, region: str) -> dict[str, lambda_runtime.FunctionCode]:
    """The Lambda functions of an account and region whose invocations run their real handler in-process."""
    from moto.awslambda_simple.models import lambda_simple_backends

    return cast(
        dict[str, lambda_runtime.FunctionCode], _attached(lambda_simple_backends[account][region], _FUNCTIONS, dict)
    )


def kinesis_faults(account: str, region: str) -> KinesisFaults:
    """The PutRecords faults armed for the streams of an account and region."""
    from moto.kinesis.models import kinesis_backends

    return cast(KinesisFaults, _attached(kinesis_backends[account][region], _FAULTS, KinesisFaults))


def register_function(
    name: str, code_dir: Path, handler: str, environment: dict[str, str], *, account: str, region: str, **kw: Any
) -> None:
    """Make invocations of Lambda function `name` run `handler` from `code_dir` in-process."""
    functions(account, region)[name] = lambda_runtime.FunctionCode(Path(code_dir), handler, dict(environment), **kw)


# --------------------------------------------------------------------- kinesisanalyticsv2 shapes
def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def application_detail(app: LocalApplication) -> dict[str, Any]:
    """The ApplicationDetail shape of DescribeApplication."""
    config = app.configuration
    code = config.get("ApplicationCodeConfiguration") or {}
    flink = config.get("FlinkApplicationConfiguration") or {}
    detail: dict[str, Any] = {
        "ApplicationARN": app.arn,
        "ApplicationDescription": app.request.get("ApplicationDescription", ""),
        "ApplicationName": app.name,
        "RuntimeEnvironment": app.request.get("RuntimeEnvironment"),
        "ServiceExecutionRole": app.request.get("ServiceExecutionRole"),
        "ApplicationStatus": app.status,
        "ApplicationVersionId": app.version_id,
        "CreateTimestamp": _ts(app.created),
        "LastUpdateTimestamp": _ts(app.updated),
        "ApplicationMode": app.request.get("ApplicationMode", "STREAMING"),
        "ApplicationConfigurationDescription": {
            "ApplicationCodeConfigurationDescription": {
                "CodeContentType": code.get("CodeContentType", "ZIPFILE"),
                "CodeContentDescription": {
                    "S3ApplicationCodeLocationDescription": (code.get("CodeContent") or {}).get("S3ContentLocation", {})
                },
            },
            "EnvironmentPropertyDescriptions": {
                "PropertyGroupDescriptions": (config.get("EnvironmentProperties") or {}).get("PropertyGroups", [])
            },
            "FlinkApplicationConfigurationDescription": {
                "CheckpointConfigurationDescription": flink.get("CheckpointConfiguration", {}),
                "MonitoringConfigurationDescription": flink.get("MonitoringConfiguration", {}),
                "ParallelismConfigurationDescription": flink.get("ParallelismConfiguration", {}),
            },
            "ApplicationSnapshotConfigurationDescription": {"SnapshotsEnabled": app.snapshots_enabled},
            "RunConfigurationDescription": {
                "ApplicationRestoreConfigurationDescription": {
                    "ApplicationRestoreType": app.restore_type or "SKIP_RESTORE_FROM_SNAPSHOT"
                }
            },
        },
    }
    logging = app.request.get("CloudWatchLoggingOptions") or []
    if logging:
        detail["CloudWatchLoggingOptionDescriptions"] = [
            {"CloudWatchLoggingOptionId": f"{i + 1}.1", "LogStreamARN": o["LogStreamARN"]}
            for i, o in enumerate(logging)
        ]
    return detail


def _operation_detail(op: Operation) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "Operation": op.operation,
        "OperationStatus": op.status,
        "StartTime": _ts(op.start),
    }
    if op.end:
        detail["EndTime"] = _ts(op.end)
    if op.error:
        detail["OperationFailureDetails"] = {"ErrorInfo": {"ErrorString": op.error}}
    return detail


def _snapshot_detail(snap: Snapshot) -> dict[str, Any]:
    return {
        "SnapshotName": snap.name,
        "SnapshotStatus": snap.status,
        "ApplicationVersionId": snap.version_id,
        "SnapshotCreationTimestamp": _ts(snap.created),
        "RuntimeEnvironment": snap.runtime,
    }


# --------------------------------------------------------------------- response methods
def _flink(resp: Any) -> LocalFlink:
    return local_flink(resp.current_account, resp.region)


def _params(resp: Any) -> dict[str, Any]:
    return json.loads(resp.body or "{}")


def _create_application(resp: Any) -> str:
    app = _flink(resp).create(_params(resp))
    return json.dumps({"ApplicationDetail": application_detail(app)})


def _describe_application(resp: Any) -> str:
    app = _flink(resp).describe(_params(resp)["ApplicationName"])
    return json.dumps({"ApplicationDetail": application_detail(app)})


def _list_applications(resp: Any) -> str:
    summaries = [
        {
            "ApplicationName": a.name,
            "ApplicationARN": a.arn,
            "ApplicationStatus": a.status,
            "ApplicationVersionId": a.version_id,
            "RuntimeEnvironment": a.request.get("RuntimeEnvironment"),
            "ApplicationMode": a.request.get("ApplicationMode", "STREAMING"),
        }
        for a in _flink(resp).applications()
    ]
    return json.dumps({"ApplicationSummaries": summaries})


def _start_application(resp: Any) -> str:
    p = _params(resp)
    return json.dumps({"OperationId": _flink(resp).start(p["ApplicationName"], p.get("RunConfiguration"))})


def _stop_application(resp: Any) -> str:
    p = _params(resp)
    return json.dumps({"OperationId": _flink(resp).stop(p["ApplicationName"], bool(p.get("Force", False)))})


def _update_application(resp: Any) -> str:
    p = _params(resp)
    app, operation_id = _flink(resp).update(
        p["ApplicationName"],
        int(p.get("CurrentApplicationVersionId", 0)),
        p.get("ApplicationConfigurationUpdate") or {},
        p.get("RuntimeEnvironmentUpdate"),
    )
    return json.dumps({"ApplicationDetail": application_detail(app), "OperationId": operation_id})


def _rollback_application(resp: Any) -> str:
    p = _params(resp)
    app, operation_id = _flink(resp).rollback(p["ApplicationName"], int(p.get("CurrentApplicationVersionId", 0)))
    return json.dumps({"ApplicationDetail": application_detail(app), "OperationId": operation_id})


def _delete_application(resp: Any) -> str:
    p = _params(resp)
    created = datetime.fromtimestamp(float(p["CreateTimestamp"]), tz=UTC)
    _flink(resp).delete(p["ApplicationName"], created)
    return "{}"


def _describe_application_operation(resp: Any) -> str:
    p = _params(resp)
    op = _flink(resp).operation(p["ApplicationName"], p["OperationId"])
    return json.dumps({"ApplicationOperationInfoDetails": _operation_detail(op)})


def _list_application_operations(resp: Any) -> str:
    app = _flink(resp).describe(_params(resp)["ApplicationName"])
    infos = [
        {
            "Operation": o.operation,
            "OperationId": o.operation_id,
            "OperationStatus": o.status,
            "StartTime": _ts(o.start),
        }
        for o in app.operations.values()
    ]
    return json.dumps({"ApplicationOperationInfoList": infos})


def _list_application_snapshots(resp: Any) -> str:
    """One page of at most ``Limit`` (1 to 50, default 50) snapshots, and a NextToken when more remain."""
    params = _params(resp)
    app = _flink(resp).describe(params["ApplicationName"])
    limit = int(params.get("Limit") or 50)
    if not 1 <= limit <= 50:
        raise LocalServiceError("InvalidArgumentException", "Limit must be between 1 and 50")
    start = int(params.get("NextToken") or 0)
    page = app.snapshots[start : start + limit]
    body: dict[str, Any] = {"SnapshotSummaries": [_snapshot_detail(s) for s in page]}
    if start + limit < len(app.snapshots):
        body["NextToken"] = str(start + limit)
    return json.dumps(body)


def _create_application_snapshot(resp: Any) -> str:
    p = _params(resp)
    _flink(resp).create_snapshot(p["ApplicationName"], p["SnapshotName"])
    return "{}"


def _delete_application_snapshot(resp: Any) -> str:
    p = _params(resp)
    _flink(resp).delete_snapshot(p["ApplicationName"], p["SnapshotName"])
    return "{}"


_ACTIONS: Mapping[str, Callable[[Any], str]] = MappingProxyType(
    {
        "create_application": _create_application,
        "describe_application": _describe_application,
        "list_applications": _list_applications,
        "start_application": _start_application,
        "stop_application": _stop_application,
        "update_application": _update_application,
        "rollback_application": _rollback_application,
        "delete_application": _delete_application,
        "describe_application_operation": _describe_application_operation,
        "list_application_operations": _list_application_operations,
        "list_application_snapshots": _list_application_snapshots,
        "create_application_snapshot": _create_application_snapshot,
        "delete_application_snapshot": _delete_application_snapshot,
    }
)


def _as_moto_error(func: Any) -> Any:
    from moto.core.exceptions import JsonRESTError

    def method(self: Any) -> str:
        try:
            return func(self)
        except LocalServiceError as exc:
            raise JsonRESTError(exc.code, exc.message) from exc

    method.__name__ = func.__name__.lstrip("_")
    return method


# --------------------------------------------------------------------- Lambda
def _invoke(
    self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
) -> bytes:
    fn = self.get_function(function_name, qualifier)
    code = _attached(self, _FUNCTIONS, dict).get(fn.function_name)
    if code is None:
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {"errorType": "Runtime.LocalCodeNotFound", "errorMessage": f"no local code for {fn.function_name}"}
        ).encode()
    event = json.loads(body) if body else {}
    result, failed = lambda_runtime.invoke(
        code, event, function_name=fn.function_name, function_arn=fn.function_arn, region=self.region_name
    )
    if failed:
        response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps(result, default=str).encode()


def _put_records_with_faults(original: Any) -> Any:
    def put_records(self: Any, stream_arn: str, stream_name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        name = stream_name or (stream_arn or "").rsplit("/", 1)[-1]
        faults: KinesisFaults = _attached(self, _FAULTS, KinesisFaults)
        failing = [faults.should_fail(name) for _ in records]
        if not any(failing):
            return original(self, stream_arn, stream_name, records)
        kept = [r for r, fail in zip(records, failing, strict=True) if not fail]
        written = iter(original(self, stream_arn, stream_name, kept)["Records"] if kept else [])
        results = [
            {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded (injected)"}
            if fail
            else next(written)
            for fail in failing
        ]
        return {"FailedRecordCount": sum(failing), "Records": results}

    put_records.__wrapped__ = original  # type: ignore[attr-defined]
    return put_records


def _shard_max_sequence_number(self: Any) -> int:
    # moto copies every key of the shard to find the last one: O(records) per PutRecords entry.
    return next(reversed(self.records)) if self.records else 0


def _shard_get_records(original: Any) -> Any:
    def get_records(self: Any, last_sequence_id: str, limit: int | None) -> tuple[list[Any], int, int]:
        # moto scans the shard from its first record on every GetRecords; its sequence numbers are
        # consecutive per shard, so read forward from the position instead (moto's scan when they are not).
        # At the end of the shard (the common idle poll) there is nothing to read: moto's scan would walk every
        # record, and fail when a PutRecords appends meanwhile ("OrderedDict mutated during iteration").
        records, position = self.records, int(last_sequence_id)
        if not records or position >= next(reversed(records)):
            return [], position, 0
        if position + 1 not in records:
            return tuple(original(self, last_sequence_id, limit))
        found: list[Any] = []
        while position + 1 in records and (limit is None or len(found) < limit):
            position += 1
            found.append(records[position])
        behind = records[next(reversed(records))].created_at - found[-1].created_at
        return found, position, int(behind * 1000)

    get_records.__wrapped__ = original  # type: ignore[attr-defined]
    return get_records


_JSON_11 = MappingProxyType({"Content-Type": "application/x-amz-json-1.1"})  # what the serializer sends


def _unix_ms(moment: datetime) -> int | float:
    """A timestamp as moto's JSON serializer writes one: seconds since the epoch, truncated to milliseconds."""
    seconds = calendar.timegm(moment.timetuple())
    return seconds + (moment.microsecond // 1000) / 1000.0 if moment.microsecond else seconds


def _kinesis_put_records(self: Any) -> tuple[str, dict[str, str]]:
    result = self.kinesis_backend.put_records(
        self._get_param("StreamARN"), self._get_param("StreamName"), self._get_param("Records")
    )
    return json.dumps(result), dict(_JSON_11)


def _kinesis_get_records(self: Any) -> tuple[str, dict[str, str]]:
    iterator, records, behind = self.kinesis_backend.get_records(
        self._get_param("StreamARN"), self._get_param("ShardIterator"), self._get_param("Limit")
    )
    body = {
        "Records": [
            {
                "SequenceNumber": str(r.sequence_number),
                "ApproximateArrivalTimestamp": _unix_ms(r.created_at_datetime),
                "Data": base64.b64encode(base64.b64decode(r.data)).decode("ascii"),
                "PartitionKey": r.partition_key,
            }
            for r in records
        ],
        "NextShardIterator": iterator,
        "MillisBehindLatest": behind,
    }
    return json.dumps(body), dict(_JSON_11)


def _kinesis_json(response_class: Any) -> None:
    """Answer PutRecords and GetRecords with json.dumps (moto's own methods stay as ``__wrapped__``)."""
    for name, fast in (("put_records", _kinesis_put_records), ("get_records", _kinesis_get_records)):
        original = getattr(response_class, name, None)
        if not callable(original):
            raise MotoCompatibilityError(f"moto's KinesisResponse has no {name}() to replace")
        fast.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(response_class, name, fast)


def _cache_moto_modules() -> None:
    """Make the dispatcher's per-request listing of moto's services a lookup in a list made once."""
    from moto import backends

    listing = getattr(backends, "list_of_moto_modules", None)
    if not callable(listing):
        raise MotoCompatibilityError("moto.backends has no list_of_moto_modules() to cache")
    modules = frozenset(listing())
    backends.list_of_moto_modules = lambda: modules


def install() -> None:
    """Patch moto's classes once per process. Raises MotoCompatibilityError if moto moved what we patch."""
    with _INSTALL_LOCK:
        try:
            from moto.awslambda_simple.models import LambdaSimpleBackend
            from moto.kinesisanalyticsv2.responses import KinesisAnalyticsV2Response
        except ImportError as exc:  # pragma: no cover - only on an incompatible moto
            raise MotoCompatibilityError(f"moto no longer provides what the offline runtime patches: {exc}") from exc
        if getattr(LambdaSimpleBackend, _PATCHED, False):
            return
        if not callable(getattr(LambdaSimpleBackend, "invoke", None)):
            raise MotoCompatibilityError("moto's LambdaSimpleBackend has no invoke() to replace")
        from moto.kinesis.models import KinesisBackend, Shard
        from moto.kinesis.responses import KinesisResponse

        for action, func in _ACTIONS.items():
            setattr(KinesisAnalyticsV2Response, action, _as_moto_error(func))
        KinesisBackend.put_records = _put_records_with_faults(KinesisBackend.put_records)  # type: ignore[method-assign]
        Shard.get_max_sequence_number = _shard_max_sequence_number  # type: ignore[method-assign]
        Shard.get_records = _shard_get_records(Shard.get_records)  # type: ignore[method-assign]
        LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]
        _kinesis_json(KinesisResponse)
        _cache_moto_modules()
        # The stack of Outputs that `register_stack_outputs` creates holds one placeholder resource.
        warnings.filterwarnings("ignore", message="Tried to parse AWS::CloudFormation::WaitConditionHandle")
        setattr(LambdaSimpleBackend, _PATCHED, True)
