"""Every environment variable name the project reads, in one place.

Precedence everywhere: explicit argument > environment variable > default.
Nothing reads these at import time; models in each package read them at the edge.
"""

from __future__ import annotations

# Lifecycle (Lambda functions of the state machine)
APPLICATION_NAME = "APPLICATION_NAME"
POLL_INTERVAL_SECONDS = "POLL_INTERVAL_SECONDS"
TRANSITION_CEILING_SECONDS = "TRANSITION_CEILING_SECONDS"
DEFAULT_RUN_DURATION = "DEFAULT_RUN_DURATION"
MAX_RUN_DURATION = "MAX_RUN_DURATION"

# Flink application definition (create/update step)
RUNTIME_ENVIRONMENT = "RUNTIME_ENVIRONMENT"
SERVICE_EXECUTION_ROLE_ARN = "SERVICE_EXECUTION_ROLE_ARN"
ARTIFACT_BUCKET = "ARTIFACT_BUCKET"
ARTIFACT_KEY = "ARTIFACT_KEY"
FLINK_PYTHON_ENTRY = "FLINK_PYTHON_ENTRY"
FLINK_JAR_FILE = "FLINK_JAR_FILE"
PARALLELISM = "PARALLELISM"
PARALLELISM_PER_KPU = "PARALLELISM_PER_KPU"
LOG_STREAM_ARN = "LOG_STREAM_ARN"
FLINK_APPLICATION_PROPERTIES = "FLINK_APPLICATION_PROPERTIES"
"""JSON object of the runtime properties the PyFlink job reads (stream ARNs, region, start position)."""
SNAPSHOTS_TO_KEEP = "SNAPSHOTS_TO_KEEP"
RESUME_POSITION_PARAMETER = "RESUME_POSITION_PARAMETER"
"""The SSM parameter holding when the last clean stop began (fanout.lifecycle.position)."""
RESUME_MARGIN_SECONDS = "RESUME_MARGIN_SECONDS"
"""How long before that stop a re-created application starts reading (0 to 86400; default 300)."""

# Consumers
CONSUMER_ROUTE = "CONSUMER_ROUTE"

# Router (the Lambda engine: functions/router)
ROUTER_PROPERTIES = "ROUTER_PROPERTIES"
"""JSON object of the values of the SQL's ``${name}`` placeholders (the stream ARNs), as the Flink job gets them."""
ROUTER_SQL_FILE = "ROUTER_SQL_FILE"
"""The SQL script the router runs [default: fanout.sql next to the handler]."""
ROUTER_DEAD_LETTER_QUEUE_URL = "ROUTER_DEAD_LETTER_QUEUE_URL"
"""The SQS queue poison records go to, with the reason [default: none, so they are reported for a retry]."""
ROUTER_MAX_PUT_ATTEMPTS = "ROUTER_MAX_PUT_ATTEMPTS"
"""PutRecords attempts per output before its input record is reported for a retry [default: 5]."""

# The PyFlink job (flink/main.py) when run outside Managed Flink, and the artifact build
FANOUT_FLINK_PROPERTIES = "FANOUT_FLINK_PROPERTIES"
"""Properties file of a local run of flink/main.py (Managed Flink: /etc/flink/application_properties.json)."""
FANOUT_FLINK_SQL = "FANOUT_FLINK_SQL"
"""SQL script flink/main.py runs [default: fanout.sql next to main.py]."""
FANOUT_MAVEN_REPOSITORY = "FANOUT_MAVEN_REPOSITORY"
"""Maven repository the artifact build fetches the connector jar from [default: Maven Central]."""
FANOUT_CACHE_DIR = "FANOUT_CACHE_DIR"
"""Where downloaded jars are kept between builds [default: .cache/fanout]."""

# Command line
FANOUT_STACK = "FANOUT_STACK"
"""The stack the `fanout` commands resolve their resources from (after --stack, before samconfig.toml)."""
FANOUT_FLINK_RUNTIME = "FANOUT_FLINK_RUNTIME"
"""The Flink runtime `fanout sql check|run` emulate (after --runtime, before the template's FlinkRuntime)."""

# Standard AWS / Lambda variables the project relies on
AWS_REGION = "AWS_REGION"
AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"

# Tests
FANOUT_PARITY = "FANOUT_PARITY"
"""Set to 1 (as CI does) to make the Flink parity suite fail, rather than skip, without `.venv-flink`."""
FANOUT_CORPUS_REPLAY = "FANOUT_CORPUS_REPLAY"
"""Set to 1 (as `make parity` does) to replay every saved fuzz case in real Flink too: is the corpus stale?"""
FANOUT_FUZZ_ROUNDS = "FANOUT_FUZZ_ROUNDS"
"""How many rounds (24 scripts each) the fixed-seed differential fuzz test runs against real Flink [default: 4]."""
