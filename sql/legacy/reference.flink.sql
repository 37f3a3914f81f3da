-- Migrated from Kinesis Data Analytics for SQL by: fanout sql migrate reference.sql --schema input-schema.json -p POSITIVE_TRANSACTIONS=positive.stream.arn -p NEGATIVE_TRANSACTIONS=negative.stream.arn --rejected-table rejected_transactions
-- Runs on Managed Service for Apache Flink (FLINK-1_20) and offline through fanout.routes.RouteExecutor;
-- the ${...} placeholders are runtime properties of property group "fanout".
--
-- Input schema (SOURCE_SQL_STREAM_001): ID INTEGER at $.ID, USERNAME VARCHAR(200) at $.USERNAME, AMOUNT DECIMAL(5, 2) at $.AMOUNT.
-- Pumps: STREAM_PUMP1 -> positive_transactions; STREAM_PUMP2 -> negative_transactions.
--
-- Semantics kept from the legacy application:
--   * A record the legacy application could not map to the input schema went to its error_stream:
--     not a JSON object, or a column whose value does not convert to its type (a non-numeric string,
--     a number beyond the DECIMAL precision such as 1234.5 in DECIMAL(5, 2), a fraction in an integer
--     column). Here is_valid is false for it, and the rejected route takes its original bytes.
--   * A missing key or a JSON null is a NULL column, as in the legacy mapping. A record that no pump
--     takes (for example a NULL amount, which matches neither >= 0 nor < 0) was dropped by the
--     legacy application; here the rejected route takes it too, so no record is lost.
--   * VARCHAR(n) values longer than n are truncated to n characters, as the legacy mapping did.
--   * Numbers with more decimals than the DECIMAL scale are rounded HALF_UP; one that rounds up to
--     the precision's limit (999.995 in DECIMAL(5, 2)) overflowed in the legacy mapping: rejected here.
-- Known differences (these records are rejected here, never misrouted): true/false in a numeric
-- column (legacy read 1/0); an object or array in a VARCHAR column reads as NULL here (legacy kept
-- its JSON text).

CREATE TABLE source_sql_stream (
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
    id INT,
    username STRING,
    amount DECIMAL(5, 2)
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${positive.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'json'
);

CREATE TABLE negative_transactions (
    id INT,
    username STRING,
    amount DECIMAL(5, 2)
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

-- Parse once. JSON_VALUE is NULL for a missing key, a JSON null, an object or array, or malformed JSON.
CREATE TEMPORARY VIEW source_sql_stream_text AS
SELECT
    payload,
    CAST(payload AS STRING) IS JSON OBJECT AS is_object,
    JSON_VALUE(CAST(payload AS STRING), '$.ID') AS id_text,
    JSON_VALUE(CAST(payload AS STRING), '$.USERNAME') AS username_text,
    JSON_VALUE(CAST(payload AS STRING), '$.AMOUNT') AS amount_text
FROM source_sql_stream;

-- SOURCE_SQL_STREAM_001 of the legacy application: typed columns, and is_valid (false where the
-- legacy application sent the record to error_stream).
CREATE TEMPORARY VIEW source_sql_stream_001 AS
SELECT
    payload,
    is_object
        AND (id_text IS NULL OR (TRY_CAST(id_text AS INT) IS NOT NULL AND POSITION('.' IN id_text) = 0))
        AND (amount_text IS NULL OR (TRY_CAST(amount_text AS DECIMAL(5, 2)) IS NOT NULL AND ABS(TRY_CAST(amount_text AS DECIMAL(6, 2))) < 1000)) AS is_valid,
    TRY_CAST(id_text AS INT) AS id,
    SUBSTRING(username_text FROM 1 FOR 200) AS username,
    TRY_CAST(amount_text AS DECIMAL(5, 2)) AS amount
FROM source_sql_stream_text;

-- STREAM_PUMP1
INSERT INTO positive_transactions
SELECT id, username, amount
FROM source_sql_stream_001
WHERE is_valid AND (amount >= 0);

-- STREAM_PUMP2
INSERT INTO negative_transactions
SELECT id, username, amount
FROM source_sql_stream_001
WHERE is_valid AND (amount < 0);

-- Everything else, with its original bytes: not valid for the input schema, or taken by no pump.
INSERT INTO rejected_transactions
SELECT payload
FROM source_sql_stream_001
WHERE NOT is_valid
   OR NOT (COALESCE(amount >= 0, FALSE)
        OR COALESCE(amount < 0, FALSE));
