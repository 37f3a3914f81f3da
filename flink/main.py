"""The PyFlink job: run the fan-out SQL on Managed Service for Apache Flink (FLINK-1_20, Python 3.11).

It reads the runtime properties, fills the ``${name}`` placeholders of the SQL script shipped next to it
(``fanout.sql``) from property group ``fanout``, runs the DDL with ``execute_sql`` and submits every
INSERT in ONE StatementSet (two ``execute_sql`` INSERTs fail on Managed Flink). On Managed Flink it returns
once the job is submitted; run locally, it waits for the job.

Properties: ``--properties FILE`` > ``FANOUT_FLINK_PROPERTIES`` > ``/etc/flink/application_properties.json``
(which Managed Flink writes: a list of ``{"PropertyGroupId", "PropertyMap"}``). A job whose properties
come from that file is on Managed Flink and does not wait; ``--detach`` does the same anywhere.

The artifact zip ships the few pure-Python modules this file imports (``fanout/exceptions.py``,
``fanout/env.py``, ``fanout/routes/exceptions.py``, ``fanout/routes/placeholders.py``, as namespace
packages), because Managed Flink installs no pip requirements; with the project installed, the same
imports resolve to the installed package. pyflink is imported only inside ``submit``, so everything else
here runs (and is tested) without it.

Errors are logged, then re-raised: on Managed Flink they surface under the
``org.apache.flink.client.python.PythonDriver`` logger ("Run python process failed").

Example (locally, from an unzipped artifact):
    python main.py --properties application_properties.json          # submit and wait
    python main.py --properties application_properties.json --dry-run  # print the statements only
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Flink's PythonDriver runs `python -m main` from a temporary folder holding a link to this file; the modules
# shipped next to the real file must be importable too. Appended: an installed `fanout` package still wins.
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))

from fanout import env  # noqa: E402
from fanout.exceptions import FanoutError  # noqa: E402
from fanout.routes.exceptions import MissingPropertyError, UnknownPlaceholderError  # noqa: E402
from fanout.routes.placeholders import RUNTIME_PROPERTIES, malformed_placeholders, substitute  # noqa: E402

LOG = logging.getLogger("fanout.flink")

MANAGED_PROPERTIES = Path("/etc/flink/application_properties.json")
"""Where Managed Flink writes the application's runtime properties."""
PROPERTY_GROUP = "fanout"
"""The property group holding the placeholders' values (fanout.lifecycle.spec.APPLICATION_PROPERTIES_GROUP)."""
SQL_FILE = "fanout.sql"
"""The SQL script's name inside the artifact, next to main.py."""

DDL_KEYWORDS = frozenset({"CREATE", "DROP", "ALTER", "USE", "LOAD", "UNLOAD", "SET", "RESET"})

# One token of a Flink SQL script: a quoted literal or identifier (doubled quotes escape), a comment,
# a semicolon, or a run of anything else. An unclosed quote or comment is a token of its own: an error.
_TOKEN = re.compile(
    r"""'(?:[^']|'')*'|`(?:[^`]|``)*`|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|/\*|;|[^'`"\-/;]+|.""",
    re.DOTALL,
)


class JobError(FanoutError):
    """Base of the errors of the PyFlink job."""


class PropertiesError(JobError):
    """The runtime properties file is missing, unreadable, or not a list of property groups."""


class PlaceholderError(JobError):
    """A ``${name}`` placeholder is unknown, or its property group has no property of that name."""


class SqlScriptError(JobError):
    """The SQL script cannot be split into DDL and INSERT statements (unterminated quote, no INSERT...)."""


@dataclass(frozen=True)
class JobPlan:
    """What the job submits: the DDL in script order, then every INSERT in one statement set."""

    ddl: tuple[str, ...]
    inserts: tuple[str, ...]


def read_properties(path: Path) -> dict[str, dict[str, str]]:
    """Read a Managed Flink properties file into ``{group id: {key: value}}``.

    Example: ``read_properties(Path("/etc/flink/application_properties.json"))["fanout"]["aws.region"]``
    """
    try:
        groups = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PropertiesError(
            f"runtime properties file {path} does not exist: outside Managed Flink, pass --properties FILE "
            f"or set {env.FANOUT_FLINK_PROPERTIES}"
        ) from exc
    except (OSError, ValueError) as exc:
        raise PropertiesError(f"cannot read runtime properties {path}: {exc}") from exc
    if not isinstance(groups, list):
        raise PropertiesError(f"{path} must hold a list of {{PropertyGroupId, PropertyMap}} objects")
    result: dict[str, dict[str, str]] = {}
    for index, group in enumerate(groups):
        if (
            not isinstance(group, dict)
            or not isinstance(group.get("PropertyGroupId"), str)
            or not isinstance(group.get("PropertyMap"), dict)
        ):
            raise PropertiesError(f"{path}: entry {index} is not a {{PropertyGroupId, PropertyMap}} object")
        result[group["PropertyGroupId"]] = {str(k): str(v) for k, v in group["PropertyMap"].items()}
    return result


def fill_placeholders(sql: str, groups: Mapping[str, Mapping[str, str]], group: str = PROPERTY_GROUP) -> str:
    """Substitute the script's placeholders from property group ``group``; PlaceholderError names what is wrong.

    Example: ``fill_placeholders("'${aws.region}'", {"fanout": {"aws.region": "eu-west-1"}})``
    """
    malformed = [
        f"{text!r} at line {sql.count(chr(10), 0, offset) + 1}" for offset, text in malformed_placeholders(sql)
    ]
    if malformed:
        raise PlaceholderError(
            f"malformed placeholder(s) {', '.join(malformed)} in the SQL: write ${{name}}, the name made of "
            f"letters, digits, '.', '_' and '-' (one of {', '.join(sorted(RUNTIME_PROPERTIES))})"
        )
    try:
        return substitute(sql, groups.get(group, {}), allowed=RUNTIME_PROPERTIES)
    except UnknownPlaceholderError as exc:
        raise PlaceholderError(
            f"unknown placeholder(s) {', '.join(exc.names)} in the SQL: property group {group!r} "
            f"only takes {', '.join(sorted(RUNTIME_PROPERTIES))}"
        ) from exc
    except MissingPropertyError as exc:
        present = f"has {', '.join(sorted(groups[group]))}" if group in groups else "is missing"
        raise PlaceholderError(
            f"placeholder(s) {', '.join(exc.names)} have no property in property group {group!r} ({present})"
        ) from exc


def split_statements(sql: str) -> list[str]:
    """Split a script at top-level semicolons, dropping comments and empty statements.

    A tokenizer of the few lexical rules that matter (quotes with doubled-quote escapes, ``--`` and
    ``/* */`` comments): Managed Flink installs no SQL parser for the job, and PyFlink runs one
    statement per call. Example: ``split_statements("CREATE TABLE a (x INT); -- c\\nINSERT ...;")``
    """
    statements: list[str] = []
    current: list[str] = []
    for match in _TOKEN.finditer(sql):
        token = match.group()
        if token in {"'", '"', "`", "/*"}:
            line = sql.count("\n", 0, match.start()) + 1
            raise SqlScriptError(f"unterminated {token[:2]} at line {line} of the SQL script")
        if token.startswith("--") or token.startswith("/*"):
            current.append(" ")
        elif token == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(token)
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def plan_job(sql: str) -> JobPlan:
    """Split a (substituted) script into its DDL and its INSERTs; SqlScriptError for anything else."""
    ddl: list[str] = []
    inserts: list[str] = []
    for statement in split_statements(sql):
        keyword = statement.split(None, 1)[0].upper()
        if keyword == "INSERT":
            inserts.append(statement)
        elif keyword in DDL_KEYWORDS:
            ddl.append(statement)
        else:
            first_line = statement.splitlines()[0][:60]
            raise SqlScriptError(f"the job runs DDL and INSERT statements only; {keyword} is neither: {first_line!r}")
    if not inserts:
        raise SqlScriptError("the SQL script has no INSERT statement: the job would do nothing")
    return JobPlan(ddl=tuple(ddl), inserts=tuple(inserts))


def submit(plan: JobPlan, *, wait: bool, jars: Sequence[Path] = ()) -> Any:
    """Run the DDL, submit every INSERT in one StatementSet, and wait for the job when ``wait``."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    if jars:
        t_env.get_config().set("pipeline.jars", ";".join(p.resolve().as_uri() for p in jars))
    for statement in plan.ddl:
        LOG.info("execute_sql:\n%s", statement)
        t_env.execute_sql(statement)
    statement_set = t_env.create_statement_set()
    for statement in plan.inserts:
        LOG.info("add_insert_sql:\n%s", statement)
        statement_set.add_insert_sql(statement)
    result = statement_set.execute()
    client = result.get_job_client()
    LOG.info("submitted %d INSERT(s) in one statement set, job %s", len(plan.inserts), client and client.get_job_id())
    if wait:
        result.wait()
    return result


@dataclass(frozen=True)
class Settings:
    """Where the job's inputs are, and whether it waits."""

    properties: Path
    sql: Path
    wait: bool
    dry_run: bool
    jars: tuple[Path, ...]


def settings(argv: Sequence[str], environ: Mapping[str, str]) -> Settings:
    """Parse the arguments (unknown ones are ignored: Managed Flink may pass its own)."""
    parser = argparse.ArgumentParser(prog="main.py", description="Run the fan-out SQL as a PyFlink job.")
    parser.add_argument("--properties", type=Path, help=f"runtime properties file [env {env.FANOUT_FLINK_PROPERTIES}]")
    parser.add_argument("--sql", type=Path, help=f"SQL script [env {env.FANOUT_FLINK_SQL}, default {SQL_FILE}]")
    parser.add_argument("--detach", action="store_true", help="return after submitting (as on Managed Flink)")
    parser.add_argument("--dry-run", action="store_true", help="print the statements; do not start Flink")
    args, _ = parser.parse_known_args(list(argv))
    properties = args.properties or Path(environ.get(env.FANOUT_FLINK_PROPERTIES) or MANAGED_PROPERTIES)
    sql = args.sql or Path(environ.get(env.FANOUT_FLINK_SQL) or HERE / SQL_FILE)
    on_managed_flink = properties == MANAGED_PROPERTIES
    jars = () if on_managed_flink else tuple(sorted((HERE / "lib").glob("*.jar")))
    return Settings(properties, sql, not (on_managed_flink or args.detach), args.dry_run, jars)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Plan and submit the job; log and re-raise any error so that it reaches the PythonDriver log."""
    LOG.setLevel(logging.INFO)  # on the logger itself: creating the TableEnvironment resets the root to WARNING
    config = settings(sys.argv[1:] if argv is None else argv, os.environ if environ is None else environ)
    try:
        try:
            script = config.sql.read_text(encoding="utf-8")
        except OSError as exc:
            raise SqlScriptError(f"cannot read the SQL script {config.sql}: {exc}") from exc
        plan = plan_job(fill_placeholders(script, read_properties(config.properties)))
        if config.dry_run:
            print(";\n\n".join((*plan.ddl, *plan.inserts)) + ";")
            return 0
        LOG.info("properties %s, SQL %s, %s", config.properties, config.sql, "wait" if config.wait else "detach")
        submit(plan, wait=config.wait, jars=config.jars)
    except Exception:
        LOG.exception("the fan-out job failed to start")
        raise
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.exit(main())
