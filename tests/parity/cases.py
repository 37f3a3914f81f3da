"""The parity fixture: named raw records (bytes, one Kinesis record each) covering the routes' edge cases.

Every record is newline-free and does not end in CR (the Flink filesystem source reads one record per
line and drops a trailing CR), and every record is distinct (so a rejected record is known by its bytes).
Each record with ``id``/``username``/``amount`` keys also comes with upper-case keys (``ID``, ...), the
spelling of the Kinesis Data Analytics schemas that ``fanout sql migrate`` keeps.
"""

from __future__ import annotations

_LOWER_CASE_KEYS: tuple[tuple[str, bytes], ...] = (
    # Plain routing.
    ("positive_decimal", b'{"id":1,"username":"ann","amount":12.5}'),
    ("negative_decimal", b'{"id":2,"username":"bob","amount":-7.25}'),
    ("positive_integer", b'{"id":3,"username":"cy","amount":42}'),
    ("positive_multiple_of_ten", b'{"id":4,"username":"dee","amount":100}'),
    ("negative_multiple_of_ten", b'{"id":5,"username":"eve","amount":-120}'),
    ("zero", b'{"id":6,"username":"zed","amount":0}'),
    ("fraction_trailing_zero", b'{"id":7,"username":"fay","amount":0.10}'),
    # NULLs and missing fields.
    ("amount_null", b'{"id":10,"username":"nul","amount":null}'),
    ("amount_missing", b'{"id":11,"username":"mis"}'),
    ("id_missing", b'{"username":"noid","amount":1.5}'),
    ("username_missing", b'{"id":12,"amount":2}'),
    ("id_and_username_null", b'{"id":null,"username":null,"amount":3}'),
    ("empty_object", b"{}"),
    # Negative zero.
    ("negative_zero_float", b'{"id":20,"username":"nz","amount":-0.0}'),
    ("negative_zero_int", b'{"id":21,"username":"nz","amount":-0}'),
    ("negative_zero_string", b'{"id":22,"username":"nz","amount":"-0.00"}'),
    ("negative_rounds_to_zero", b'{"id":23,"username":"nz","amount":-0.004}'),
    # DECIMAL(12, 2) precision limit and rounding.
    ("decimal_max", b'{"id":30,"username":"max","amount":9999999999.99}'),
    ("decimal_min", b'{"id":31,"username":"min","amount":-9999999999.99}'),
    ("decimal_overflow", b'{"id":32,"username":"ovf","amount":10000000000.00}'),
    ("decimal_overflow_negative", b'{"id":33,"username":"ovf","amount":-10000000000}'),
    ("decimal_overflow_by_rounding", b'{"id":34,"username":"ovf","amount":9999999999.995}'),
    ("decimal_max_by_rounding", b'{"id":35,"username":"max","amount":9999999999.994}'),
    ("decimal_carry_by_rounding_negative", b'{"id":24,"username":"ovf","amount":-9999999999.999}'),
    ("decimal_carry_by_rounding_string", b'{"id":25,"username":"ovf","amount":"9999999999.995"}'),
    ("legacy_decimal_carry_by_rounding", b'{"id":26,"username":"lg","amount":999.995}'),
    ("legacy_decimal_overflow", b'{"id":27,"username":"lg","amount":1000}'),
    ("decimal_large_multiple_of_ten", b'{"id":36,"username":"big","amount":1234567890}'),
    ("round_half_up_0_005", b'{"id":37,"username":"r","amount":0.005}'),
    ("round_half_up_0_015", b'{"id":38,"username":"r","amount":0.015}'),
    ("round_half_up_negative_0_005", b'{"id":39,"username":"r","amount":-0.005}'),
    ("round_down_0_004", b'{"id":40,"username":"r","amount":0.004}'),
    ("many_decimals", b'{"id":41,"username":"pi","amount":3.14159265358979323846}'),
    ("more_digits_than_a_double", b'{"id":42,"username":"d","amount":2.00499999999999999999}'),
    ("huge_integer_amount", b'{"id":43,"username":"h","amount":123456789012345678901234567890}'),
    ("amount_beyond_double", b'{"id":44,"username":"h","amount":1e400}'),
    # Exponent notation.
    ("exponent_lower", b'{"id":50,"username":"e","amount":1e3}'),
    ("exponent_negative_upper", b'{"id":51,"username":"e","amount":1E-2}'),
    ("exponent_plus", b'{"id":52,"username":"e","amount":1.5e+2}'),
    ("exponent_negative_value", b'{"id":53,"username":"e","amount":-2E2}'),
    # Amount of another JSON type.
    ("amount_numeric_string", b'{"id":60,"username":"s","amount":"12.5"}'),
    ("amount_string_with_spaces", b'{"id":61,"username":"s","amount":" 7 "}'),
    ("amount_non_numeric_string", b'{"id":62,"username":"s","amount":"abc"}'),
    ("amount_empty_string", b'{"id":63,"username":"s","amount":""}'),
    ("amount_exponent_string", b'{"id":64,"username":"s","amount":"1e2"}'),
    ("amount_true", b'{"id":65,"username":"b","amount":true}'),
    ("amount_false", b'{"id":66,"username":"b","amount":false}'),
    ("amount_object", b'{"id":67,"username":"o","amount":{"value":5}}'),
    ("amount_array", b'{"id":68,"username":"a","amount":[1,2]}'),
    # Ids.
    ("id_beyond_int", b'{"id":2147483648,"username":"i","amount":1}'),
    ("id_max_bigint", b'{"id":9223372036854775807,"username":"i","amount":1}'),
    ("id_beyond_bigint", b'{"id":9223372036854775808,"username":"i","amount":1}'),
    ("id_min_bigint", b'{"id":-9223372036854775808,"username":"i","amount":1}'),
    ("id_float", b'{"id":12.7,"username":"i","amount":1}'),
    ("id_exponent", b'{"id":1e3,"username":"i","amount":1}'),
    ("id_string", b'{"id":"77","username":"i","amount":1}'),
    ("id_boolean", b'{"id":true,"username":"i","amount":1}'),
    ("id_float_beyond_ten_million", b'{"id":123456789.0,"username":"i","amount":1}'),
    ("username_float", b'{"id":56,"username":12.50,"amount":1}'),
    ("username_float_beyond_ten_million", b'{"id":57,"username":1e20,"amount":1}'),
    ("username_float_below_one_thousandth", b'{"id":58,"username":-1.5e-5,"amount":1}'),
    ("username_float_infinite", b'{"id":59,"username":1e400,"amount":1}'),
    ("username_huge_integer", b'{"id":69,"username":123456789012345678901234567890,"amount":1}'),
    ("amount_float_beyond_ten_million", b'{"id":70,"username":"f","amount":12345678.5}'),
    # Usernames: unicode and escapes.
    ("username_emoji", '{"id":80,"username":"pay 💸 day","amount":5}'.encode()),
    ("username_cjk", '{"id":81,"username":"山田太郎","amount":5}'.encode()),
    ("username_combining_marks", '{"id":82,"username":"e\u0301te\u0301","amount":5}'.encode()),
    ("username_escaped_latin", b'{"id":83,"username":"Jos\\u00e9","amount":5}'),
    ("username_escaped_surrogate_pair", b'{"id":84,"username":"\\ud83d\\ude00","amount":5}'),
    ("username_escaped_quote_backslash", b'{"id":85,"username":"a\\"b\\\\c","amount":5}'),
    ("username_control_characters", b'{"id":86,"username":"tab\\there\\nnl\\u0001\\u001f","amount":5}'),
    ("username_slash_and_html", b'{"id":87,"username":"a/b <i>&amp;</i> \'q\'","amount":5}'),
    ("username_delete_and_line_separator", b'{"id":88,"username":"x\\u007fy\\u2028z","amount":5}'),
    ("username_number", b'{"id":89,"username":123,"amount":5}'),
    ("username_object", b'{"id":90,"username":{"first":"a"},"amount":5}'),
    ("username_invalid_utf8", b'{"id":91,"username":"bad \xff\xfe byte","amount":5}'),
    ("username_truncated_utf8", b'{"id":92,"username":"cut \xe2\x82","amount":5}'),
    # Not a JSON object.
    ("malformed_truncated", b'{"id":100,"username":"t","amount":'),
    ("malformed_text", b"not json at all"),
    ("malformed_single_quotes", b"{'id':101,'amount':5}"),
    ("malformed_trailing_comma", b'{"id":102,"amount":5,}'),
    ("malformed_nan", b'{"id":103,"amount":NaN}'),
    ("nan_in_an_unread_member", b'{"id":108,"username":"n","amount":5,"x":NaN}'),
    ("infinity_in_an_unread_member", b'{"id":109,"username":"i","amount":5,"x":Infinity}'),
    ("minus_infinity_in_an_unread_member", b'{"id":111,"username":"i","amount":-5,"x":-Infinity}'),
    ("nan_string_amount", b'{"id":112,"username":"n","amount":"NaN"}'),
    ("malformed_leading_plus", b'{"id":104,"amount":+5}'),
    ("malformed_leading_zero", b'{"id":105,"amount":05}'),
    ("malformed_unquoted_key", b'{id:106,"amount":5}'),
    ("malformed_comment", b'{"id":107,"amount":5 /* c */}'),
    ("invalid_utf8_record", b"\xff\xfe\xfd"),
    ("empty_record", b""),
    ("top_level_number", b"42"),
    ("top_level_string", b'"{\\"amount\\":5}"'),
    ("top_level_null", b"null"),
    ("top_level_true", b"true"),
    ("top_level_array", b'[{"id":110,"amount":5}]'),
    # Object variations.
    ("extra_fields", b'{"id":120,"username":"x","amount":5,"currency":"EUR","tags":["a"],"meta":{"k":1}}'),
    ("fields_reordered", b'{"amount":-5,"username":"r","id":121}'),
    ("nested_amount_only", b'{"id":122,"payment":{"amount":5}}'),
    ("key_case_differs", b'{"ID":123,"Username":"c","AMOUNT":5}'),
    ("whitespace_around", b'  { "id" : 124 ,\t"username" : "w" , "amount" : 5 }  '),
    ("whitespace_tabs_only", b'\t{"id":125,"amount":-5}\t'),
    ("byte_order_mark", b'\xef\xbb\xbf{"id":126,"amount":5}'),
    ("duplicate_key_amount", b'{"id":130,"username":"dup","amount":1,"amount":-1}'),
    ("duplicate_key_username", b'{"id":131,"username":"first","username":"last","amount":1}'),
    ("duplicate_key_last_null", b'{"id":132,"username":"dn","amount":5,"amount":null}'),
    ("duplicate_key_last_object", b'{"id":133,"username":"do","amount":5,"amount":{"v":-1}}'),
    ("duplicate_key_first_object", b'{"id":134,"username":"df","amount":[1],"amount":-2.5}'),
    ("key_name_as_a_value", b'{"id":135,"username":"amount","amount":-5}'),
    ("duplicate_key_nested_only", b'{"id":136,"meta":{"amount":1,"amount":2},"amount":3}'),
    ("duplicate_key_id_three_times", b'{"id":1,"id":2,"id":137,"username":"t","amount":4}'),
    ("trailing_text_after_object", b'{"id":140,"username":"tt","amount":5} trailing'),
    ("two_concatenated_objects", b'{"id":141,"username":"c1","amount":5}{"id":142,"amount":-5}'),
    ("extra_closing_brace", b'{"id":143,"username":"cb","amount":-5}}'),
    ("trailing_comma_in_ignored_text", b'{"id":144,"username":"tc","amount":5} ,]'),
    ("trailing_comma_then_text", b'{"id":145,"username":"tc","amount":5,} x'),
    ("nested_object_then_text", b'{"id":146,"meta":{"a":[1,{"b":2}]},"amount":-5} x'),
    ("escaped_quote_brace_then_text", b'{"id":147,"username":"q\\"}","amount":5}} x'),
    ("nul_byte_after_object", b'{"id":148,"username":"nul","amount":5}\x00zz'),
    ("top_level_number_then_text", b"42 is the answer"),
    ("long_username", b'{"id":150,"username":"' + b"x" * 5000 + b'","amount":5}'),
)


def _upper_keys(record: bytes) -> bytes:
    for key in (b"id", b"username", b"amount"):
        record = record.replace(b'"' + key + b'":', b'"' + key.upper() + b'":').replace(
            b'"' + key + b'" :', b'"' + key.upper() + b'" :'
        )
    return record


# Orders (sql/examples/orders.sql): nested members, arrays, DOUBLE totals, INT quantities.
_ORDERS: tuple[tuple[str, bytes], ...] = (
    (
        "order_large",
        b'{"order":{"id":1,"customer":{"name":"Ann","tier":"gold"}},"items":[{"sku":"A-1","qty":2,'
        b'"price":60.5}],"total":121.0,"currency":"EUR"}',
    ),
    (
        "order_small_a_line",
        b'{"order":{"id":2,"customer":{"name":"bo","tier":"basic"}},"items":[{"sku":"A-9","qty":1}],"total":12.5}',
    ),
    ("order_tiny", b'{"order":{"id":3,"customer":{"name":"cy"}},"items":[{"sku":"B-1","qty":3}],"total":9.99}'),
    ("order_total_integer", b'{"order":{"id":4},"items":[{"sku":"C-1","qty":1}],"total":100}'),
    ("order_total_exponent", b'{"order":{"id":5},"items":[],"total":1e7}'),
    ("order_total_string", b'{"order":{"id":6},"items":[{"sku":"A-2","qty":"2"}],"total":"55.25"}'),
    ("order_total_missing", b'{"order":{"id":7},"items":[{"sku":"A-3","qty":2}]}'),
    ("order_quantity_overflows_twice", b'{"order":{"id":8},"items":[{"sku":"A-4","qty":2147483647}],"total":50}'),
    ("order_quantity_beyond_int", b'{"order":{"id":9},"items":[{"sku":"A-5","qty":2147483648}],"total":50}'),
    (
        "order_nested_duplicate_name",
        b'{"order":{"id":10,"customer":{"name":"first","name":"last","tier":"gold"}},"total":250.75}',
    ),
    ("order_duplicate_order_object", b'{"order":{"id":11},"order":{"id":12,"customer":{"name":"x"}},"total":300}'),
    ("order_items_not_array", b'{"order":{"id":13},"items":{"0":{"qty":1}},"total":5}'),
    ("order_total_negative_zero", b'{"order":{"id":14},"items":[{"sku":"A-6","qty":0}],"total":-0.0}'),
    ("order_total_tiny_fraction", b'{"order":{"id":15},"items":[{"sku":"A-7","qty":1}],"total":0.0001}'),
    ("order_total_huge", b'{"order":{"id":16,"customer":{"name":"big","tier":"platinum"}},"total":1.5e300}'),
    ("order_total_precise", b'{"order":{"id":17},"items":[{"sku":"A-8","qty":4}],"total":33.333333333333336}'),
    ("order_id_float", b'{"order":{"id":18.0},"items":[{"sku":"A-9","qty":1}],"total":20}'),
    (
        "order_unicode_customer",
        '{"order":{"id":19,"customer":{"name":"Ærøskøbing ß","tier":"gold"}},"total":150}'.encode(),
    ),
    ("order_second_item_only", b'{"order":{"id":20},"items":[null,{"sku":"A-1","qty":5}],"total":15}'),
)

CASES: tuple[tuple[str, bytes], ...] = (
    _LOWER_CASE_KEYS
    + tuple(
        (f"{name}_upper_keys", _upper_keys(record))
        for name, record in _LOWER_CASE_KEYS
        if _upper_keys(record) != record
    )
    + _ORDERS
)
