-- kinesis-fanout: route every record of the input stream to exactly one output stream.
--
-- Runs on Managed Service for Apache Flink (FLINK-1_20, flink-connector-aws-kinesis-streams 5.1.0-1.20)
-- and offline through fanout.routes.RouteExecutor. The ${...} placeholders are runtime properties of
-- property group "fanout"; nothing account- or region-specific lives in this file.
--
-- Contract:
--   * The source reads each record as raw BYTES, so no record can vanish in deserialisation:
--     malformed JSON is routed like any other record.
--   * amount is DECIMAL(12, 2): ten integer digits (up to 9,999,999,999.99), wider than the legacy
--     DECIMAL(5, 2) (999.99). More decimals are rounded HALF_UP; a value that does not fit is NULL.
--   * positive: amount >= 0 (so -0.0 is positive); negative: amount < 0; rejected: everything else
--     (not a JSON object, or amount missing, NULL, non-numeric or too large). Since amount is either
--     NULL or compares, each record matches exactly one route.
--   * rejected records keep their original bytes.

CREATE TABLE transactions (
    payload BYTES
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${input.stream.arn}',
    'aws.region' = '${aws.region}',
    'source.init.position' = '${source.init.position}',
    'source.init.timestamp' = '${source.init.timestamp}',
    'format' = 'raw'
);

CREATE TABLE positive_transactions (
    id BIGINT,
    username STRING,
    amount DECIMAL(12, 2)
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${positive.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'json'
);

CREATE TABLE negative_transactions (
    id BIGINT,
    username STRING,
    amount DECIMAL(12, 2)
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${negative.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'json'
);

CREATE TABLE rejected_transactions (
    payload BYTES
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${rejected.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'raw'
);

-- Parse once. JSON_VALUE returns NULL for a missing key, a JSON null, an object or array, or a
-- malformed document; TRY_CAST returns NULL for a non-numeric string ('abc', 'true').
-- (Flink 1.20's JSON_VALUE ... RETURNING accepts no DECIMAL, hence TRY_CAST.)
CREATE TEMPORARY VIEW parsed_transactions AS
SELECT
    payload,
    CAST(payload AS STRING) IS JSON OBJECT AS is_object,
    TRY_CAST(JSON_VALUE(CAST(payload AS STRING), '$.id') AS BIGINT) AS id,
    JSON_VALUE(CAST(payload AS STRING), '$.username') AS username,
    TRY_CAST(JSON_VALUE(CAST(payload AS STRING), '$.amount') AS DECIMAL(12, 2)) AS amount
FROM transactions;

INSERT INTO positive_transactions
SELECT id, username, amount
FROM parsed_transactions
WHERE is_object AND amount >= 0;

INSERT INTO negative_transactions
SELECT id, username, amount
FROM parsed_transactions
WHERE is_object AND amount < 0;

INSERT INTO rejected_transactions
SELECT payload
FROM parsed_transactions
WHERE NOT is_object OR amount IS NULL;
