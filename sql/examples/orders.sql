-- An ordinary second route script: orders, not transactions. It is here to show, and to prove against real
-- Flink (tests/parity), that routes a new user writes run offline as Flink runs them: nested members, a view
-- that parses once, DOUBLE and DECIMAL columns, integer arithmetic, CASE, LIKE and a catch-all route.
--
-- Records look like {"order":{"id":17,"customer":{"name":"Ann","tier":"gold"}},"items":[{"sku":"A-1",
-- "qty":2,"price":9.5}],"total":19.0,"currency":"EUR"}.

CREATE TABLE orders (
    payload STRING
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${input.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'raw'
);

CREATE TABLE large_orders (
    order_id BIGINT,
    customer STRING,
    total DOUBLE,
    items INT,
    first_sku STRING,
    vip BOOLEAN
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${large.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'json'
);

CREATE TABLE small_orders (
    order_id BIGINT,
    total DECIMAL(10, 2),
    quantity_twice INT,
    band STRING
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${small.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'json'
);

CREATE TABLE unreadable_orders (
    payload STRING
) WITH (
    'connector' = 'kinesis',
    'stream.arn' = '${unreadable.stream.arn}',
    'aws.region' = '${aws.region}',
    'format' = 'raw'
);

-- Parse once: the text is named t, and every member is read from it (TRY_CAST: NULL when absent or wrong).
CREATE TEMPORARY VIEW parsed_orders AS
SELECT
    payload,
    payload IS JSON OBJECT AS readable,
    TRY_CAST(JSON_VALUE(payload, '$.order.id') AS BIGINT) AS order_id,
    JSON_VALUE(payload, '$.order.customer.name') AS customer,
    JSON_VALUE(payload, '$.order.customer.tier') AS tier,
    TRY_CAST(JSON_VALUE(payload, '$.total') AS DOUBLE) AS total,
    TRY_CAST(JSON_VALUE(payload, '$.items[0].qty') AS INT) AS quantity,
    JSON_VALUE(payload, '$.items[0].sku') AS first_sku
FROM orders;

INSERT INTO large_orders
SELECT order_id, UPPER(customer), total, quantity, first_sku, tier IN ('gold', 'platinum')
FROM parsed_orders
WHERE readable AND total >= 100;

INSERT INTO small_orders
SELECT
    order_id,
    TRY_CAST(total AS DECIMAL(10, 2)),
    quantity * 2,
    CASE WHEN total < 10 THEN 'tiny' WHEN first_sku LIKE 'A-%' THEN 'a-line' ELSE 'other' END
FROM parsed_orders
WHERE readable AND total < 100;

INSERT INTO unreadable_orders
SELECT payload
FROM parsed_orders
WHERE NOT readable OR total IS NULL;
