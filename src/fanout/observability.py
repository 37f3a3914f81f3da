"""The Lambda functions' Logger and Tracer, created in one place.

Service name and log level come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL (template Globals).
The Tracer switches itself off outside Lambda.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer

logger = Logger()
tracer = Tracer()
