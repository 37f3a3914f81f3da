"""kinesis-fanout: fan one Kinesis stream out into filtered streams with SQL routes."""

__version__ = "0.1.0"
