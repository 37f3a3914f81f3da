"""Check a route script before deploying it: syntax, supported subset, sinks against the template, coverage.

Findings are errors (the script cannot run, Flink's parser would reject it, e.g. a reserved word such as
``value`` used as an unquoted name, or it writes somewhere the stack does not have) or warnings
(records that no route takes, or that several routes take). Coverage is tested, not guessed: the
routes run on the local executor over probe records (``fanout.routes.probes``).

How a sink maps to a stream of the template: the table's ``'stream.arn' = '${name}'`` placeholder names
a runtime property; the template's ``FLINK_APPLICATION_PROPERTIES`` (the JSON the lifecycle passes as
property group ``fanout``) maps that property to ``${<LogicalId>.Arn}`` of an ``AWS::Kinesis::Stream``.
The output streams are the template's Kinesis streams other than the one the source table reads.

Example:
    >>> report = check_sql(Path("sql/fanout.sql").read_text(), template=load_template(Path("template.yaml")))
    >>> report.errors, report.warnings
    ([], [])
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError, TokenError
from sqlglot.tokens import TokenType

from fanout.exceptions import ConfigurationError
from fanout.routes.dialect import FanoutFlink
from fanout.routes.exceptions import RouteError, SqlSyntaxError, UnsupportedConstructError
from fanout.routes.executor import RouteExecutor
from fanout.routes.parser import RouteScript, TableDef, parse_script
from fanout.routes.placeholders import PLACEHOLDER, RUNTIME_PROPERTIES, find_placeholders, malformed_placeholders
from fanout.routes.probes import Probe, build_probes
from fanout.routes.reserved import is_reserved
from fanout.runtimes import DEFAULT_RUNTIME

PROPERTIES_VARIABLE = "FLINK_APPLICATION_PROPERTIES"
_ARN_REF = re.compile(r"^\$\{([A-Za-z0-9]+)\.Arn\}$")
# Words of a construct's name that say nothing about where it is in the text.
_GENERIC = {"FUNCTION", "AGGREGATE", "WINDOW", "STATEMENT", "CONSTRUCT", "WITH", "OF", "A", "THE", "BY"}

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """One result of the check; ``code`` is stable for machines, ``message`` is for people."""

    level: Level
    code: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class CheckReport:
    """Everything the check found, plus what it looked at."""

    findings: list[Finding] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    probes: int = 0
    template_checked: bool = False
    runtime: str = DEFAULT_RUNTIME  # the Flink the routes were checked as

    @property
    def errors(self) -> list[Finding]:
        """Findings that make the script unusable."""
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings that lose or duplicate records, or could not be checked."""
        return [f for f in self.findings if f.level == "warning"]

    def passed(self, strict: bool = False) -> bool:
        """No errors (and, when ``strict``, no warnings)."""
        return not self.errors and not (strict and self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "ok": not self.errors,
            "runtime": self.runtime,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "routes": self.routes,
            "probes": self.probes,
            "template_checked": self.template_checked,
            "findings": [asdict(f) for f in self.findings],
        }


def check_sql(sql: str, template: Mapping[str, Any] | None = None, runtime: str = DEFAULT_RUNTIME) -> CheckReport:
    """Check ``sql`` as ``runtime`` runs it; with ``template`` (a loaded SAM template), also its sinks against the
    template's streams."""
    report = CheckReport(runtime=runtime)
    try:
        script = parse_script(sql)
        executor = RouteExecutor(script, runtime=runtime)
    except SqlSyntaxError as exc:
        report.findings.append(Finding("error", "syntax", str(exc), exc.line, exc.column))
        return report
    except UnsupportedConstructError as exc:
        line, column = (exc.line, exc.column) if exc.line is not None else locate(sql, exc.construct)
        report.findings.append(Finding("error", "unsupported", str(exc), line, column))
        return report
    except RouteError as exc:
        report.findings.append(Finding("error", _code(exc), f"{type(exc).__name__}: {exc}"))
        return report
    report.routes = list(executor.sinks)
    report.findings += _check_hazards(sql, executor)
    report.findings += _check_reserved(sql)
    properties = stream_properties(template) if template is not None else None
    report.findings += _check_placeholders(sql, set(properties) if properties is not None else RUNTIME_PROPERTIES)
    if template is not None and properties is not None:
        report.template_checked = True
        source = script.tables[executor.source.name]
        report.findings += _check_streams(script, source, properties, kinesis_streams(template))
    report.findings += _check_declared(script)
    report.findings += _check_resume(script.tables[executor.source.name])
    probes, skipped = build_probes(script)
    report.probes = len(probes)
    report.findings += [
        Finding("warning", "unprobed-path", f"JSON path {path!r} is not varied by the coverage probes")
        for path in skipped
    ]
    report.findings += _check_coverage(executor, probes)
    return report


def _check_hazards(sql: str, executor: RouteExecutor) -> list[Finding]:
    """Constructs that fail the Flink job on some records wherever Calcite evaluates them."""
    unique = {hazard.message: hazard for hazard in executor.program.hazards}
    return [
        Finding("error", "job-failure-risk", message, *locate(sql, hazard.token)) for message, hazard in unique.items()
    ]


def _code(exc: RouteError) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(exc).__name__.removesuffix("Error")).lower()


def locate(sql: str, construct: str) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the first token naming ``construct`` (e.g. ``function FOO``), if any."""
    words = {w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", construct.upper()) if w not in _GENERIC}
    if not words:
        return None, None
    try:
        found = FanoutFlink().tokenize(sql)
    except TokenError:
        return None, None
    for token in found:
        if token.token_type != TokenType.STRING and token.text.upper().split()[0] in words:
            return token.line, token.col - len(token.text) + 1
    return None, None


def flink_parse_errors(sql: str) -> list[Finding]:
    """What Flink itself would reject in a script the local executor runs: reserved words, malformed placeholders.

    `fanout sql run` warns with these, since it runs such a script without complaint.
    """
    return _check_reserved(sql) + _malformed_placeholders(sql, ", ".join(sorted(RUNTIME_PROPERTIES)))


def _check_reserved(sql: str) -> list[Finding]:
    """An error per Flink reserved word used as an unquoted identifier (Flink's parser rejects it at job start)."""
    try:
        statements = sqlglot.parse(sql, read=FanoutFlink)
    except SqlglotError:  # parse_script accepted the script, so this does not happen
        return []
    uses: Counter[str] = Counter()
    first: dict[str, int] = {}
    for statement in statements:
        for identifier in statement.find_all(exp.Identifier) if statement else ():
            if identifier.quoted or not is_reserved(identifier.name):
                continue
            name = identifier.name
            uses[name] += 1
            start = identifier.meta.get("start")
            if isinstance(start, int) and (name not in first or start < first[name]):
                first[name] = start
    findings = []
    for name, count in uses.items():
        line, column = _position(sql, first[name]) if name in first else (None, None)
        more = f" (and {count - 1} more use{'s' if count > 2 else ''})" if count > 1 else ""
        findings.append(
            Finding("error", "reserved-word", f"{name!r} is a reserved word of Flink SQL{more}: Flink rejects the "
                    f"script at job start; quote it in backticks (`{name}`) everywhere, or rename it", line, column)
        )  # fmt: skip
    return sorted(findings, key=lambda f: (f.line or 0, f.column or 0))


def _position(sql: str, offset: int) -> tuple[int, int]:
    """Line and column (1-based) of character ``offset`` of ``sql``."""
    return sql.count("\n", 0, offset) + 1, offset - sql.rfind("\n", 0, offset)


# ----------------------------------------------------------------------------- template


def kinesis_streams(template: Mapping[str, Any]) -> set[str]:
    """Logical ids of the template's ``AWS::Kinesis::Stream`` resources."""
    resources = template.get("Resources") or {}
    return {
        name
        for name, res in resources.items()
        if isinstance(res, Mapping) and res.get("Type") == "AWS::Kinesis::Stream"
    }


def stream_properties(template: Mapping[str, Any]) -> dict[str, str | None]:
    """Runtime property name -> the Kinesis stream logical id its value is the ARN of (None: not a stream ARN).

    Read from the ``FLINK_APPLICATION_PROPERTIES`` environment variable of the template's functions.
    Raises ConfigurationError when the template defines none, or it is not a JSON object.
    """
    for name, resource in (template.get("Resources") or {}).items():
        variables = ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
        if PROPERTIES_VARIABLE not in variables:
            continue
        value = variables[PROPERTIES_VARIABLE]
        if isinstance(value, Mapping) and "Fn::Sub" in value:
            value = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) else value["Fn::Sub"]
        if not isinstance(value, str):
            raise ConfigurationError(f"{name}: {PROPERTIES_VARIABLE} is neither a string nor a !Sub string")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{name}: {PROPERTIES_VARIABLE} is not a JSON object: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ConfigurationError(f"{name}: {PROPERTIES_VARIABLE} is not a JSON object")
        streams = kinesis_streams(template)
        result: dict[str, str | None] = {}
        for key, text in parsed.items():
            match = _ARN_REF.match(str(text))
            result[key] = match.group(1) if match and match.group(1) in streams else None
        return result
    raise ConfigurationError(f"the template defines no {PROPERTIES_VARIABLE}: cannot map sink tables to its streams")


def _placeholder(table: TableDef) -> str | None:
    match = PLACEHOLDER.fullmatch(table.options.get("stream.arn", ""))
    return match.group(1) if match else None


def _check_placeholders(sql: str, allowed: Collection[str]) -> list[Finding]:
    unknown = sorted(find_placeholders(sql) - set(allowed))
    known = ", ".join(sorted(allowed))
    findings = [
        Finding("error", "unknown-placeholder", f"${{{name}}} is not a runtime property (known: {known})")
        for name in unknown
    ]
    return findings + _malformed_placeholders(sql, known)


def _malformed_placeholders(sql: str, known: str) -> list[Finding]:
    return [
        Finding("error", "malformed-placeholder", f"{text!r} is not a ${{name}} placeholder (unclosed, empty or "
                f"with other characters than letters, digits, '.', '_', '-'); known: {known}", *_position(sql, offset))
        for offset, text in malformed_placeholders(sql)
    ]  # fmt: skip


def _check_streams(
    script: RouteScript, source: TableDef, properties: Mapping[str, str | None], streams: set[str]
) -> list[Finding]:
    findings: list[Finding] = []
    inputs = {properties.get(_placeholder(source) or "")} - {None}
    if not inputs:
        findings.append(
            Finding("error", "unknown-source", f"source {source.name!r}: 'stream.arn' names no stream of the template")
        )
    covered: set[str] = set()
    for sink in dict.fromkeys(route.sink for route in script.inserts):
        table = script.tables[sink]
        name = _placeholder(table)
        if name is None:
            findings.append(
                Finding("error", "unknown-sink", f"sink {sink!r}: 'stream.arn' is not a ${{...}} runtime property")
            )
            continue
        stream = properties.get(name)
        if stream is None:
            known = ", ".join(sorted(k for k, v in properties.items() if v))
            findings.append(
                Finding(
                    "error", "unknown-sink", f"sink {sink!r} writes ${{{name}}}, no stream of the template ({known})"
                )
            )
        elif stream in inputs:
            findings.append(Finding("error", "sink-is-input", f"sink {sink!r} writes the input stream {stream}"))
        else:
            covered.add(stream)
    for stream in sorted(streams - inputs - covered):
        findings.append(Finding("error", "unrouted-stream", f"output stream {stream} of the template has no route"))
    return findings


def _check_resume(source: TableDef) -> list[Finding]:
    """A source whose start position the lifecycle sets must take the timestamp too: a re-created application
    starts AT_TIMESTAMP (the last clean stop), which the Kinesis connector refuses without one."""
    position = source.options.get("source.init.position", "")
    if "${source.init.position}" not in position or "source.init.timestamp" in source.options:
        return []
    return [
        Finding(
            "warning",
            "no-resume-timestamp",
            f"source {source.name!r} takes 'source.init.position' from the lifecycle but has no "
            "'source.init.timestamp': an application re-created after a deletion starts AT_TIMESTAMP and would fail "
            "to start; add 'source.init.timestamp' = '${source.init.timestamp}'",
        )
    ]


def _check_declared(script: RouteScript) -> list[Finding]:
    used = {route.sink for route in script.inserts}
    queries = [view.query for view in script.views.values()] + [route.query for route in script.inserts]
    read = {query.args["from_"].this.name for query in queries if query.args.get("from_")}
    return [
        Finding("warning", "unused-table", f"table {name!r} is declared but no route writes or reads it")
        for name in script.tables
        if name not in used and name not in read
    ]


# ----------------------------------------------------------------------------- coverage


def _check_coverage(executor: RouteExecutor, probes: list[Probe]) -> list[Finding]:
    findings: list[Finding] = []
    failures: dict[int, str] = {}
    rows = executor.execute([probe.payload for probe in probes], failures)
    hits: dict[int, list[str]] = {position: [] for position in range(len(probes))}
    for sink, matched in rows.items():
        for index, _ in matched:
            hits[index].append(sink)
    for position, reason in failures.items():
        probe = probes[position]
        findings.append(
            Finding("error", "failing-record", f"this record ({probe.label}) makes Flink fail the job: "
                    f"{_show(probe.payload)}: {reason}")
        )  # fmt: skip
    for position, probe in enumerate(probes):
        sinks = hits[position]
        if not sinks and position not in failures:
            findings.append(
                Finding("warning", "uncovered", f"no route takes this record ({probe.label}): {_show(probe.payload)}")
            )
        elif len(sinks) > 1:
            findings.append(
                Finding("warning", "duplicated", f"{len(sinks)} routes ({', '.join(sinks)}) take this record "
                        f"({probe.label}): {_show(probe.payload)}")
            )  # fmt: skip
    return findings


def _show(payload: bytes) -> str:
    """The payload for a message: its text when printable UTF-8, else its Python bytes literal."""
    try:
        text = payload.decode()
    except UnicodeDecodeError:
        return repr(payload)
    if not text.strip():
        return repr(payload)
    return text if text.isprintable() and len(text) <= 100 else repr(payload)[:100]
