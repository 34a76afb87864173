"""What an analyst's notebook does with clickhouse-connect (default settings: a session per
client, lz4 request compression, Native format). analytics/src/host/clients.int.test.ts runs
it against the embedded host and checks the one JSON object it prints.
Env: CH_HOST, CH_PORT, CH_USER, CH_PASSWORD, CH_ANALYST_USER, CH_ANALYST_PASSWORD, CH_TABLE, CH_ROWS.
"""

import json
import os
from datetime import datetime, timedelta, timezone

import clickhouse_connect
from clickhouse_connect.driver.exceptions import DatabaseError


def client(user, password):
    return clickhouse_connect.get_client(
        host=os.environ["CH_HOST"], port=int(os.environ["CH_PORT"]), username=user, password=password
    )


def error_code(fn):
    try:
        fn()
    except DatabaseError as e:
        text = str(e)
        return int(text.split("code: ", 1)[1].split(",", 1)[0]) if "code: " in text else text
    return None


table = os.environ["CH_TABLE"]
rows = int(os.environ["CH_ROWS"])
out = {}
writer = client(os.environ["CH_USER"], os.environ["CH_PASSWORD"])
out["server_version"] = writer.server_version
out["session_id"] = writer.get_client_setting("session_id")
out["write_compression"] = writer.write_compression
writer.command(
    f"CREATE TABLE {table} (call_id UInt64, agent String, talk_s Float64, at DateTime('UTC'))"
    " ENGINE = MergeTree ORDER BY call_id"
)
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
data = [[i, f"agent-{i % 7}", i / 2, start + timedelta(seconds=i)] for i in range(rows)]
summary = writer.insert(table, data, column_names=["call_id", "agent", "talk_s", "at"])
out["written_rows"] = summary.written_rows
out["count"] = writer.command(f"SELECT count() FROM {table}")
result = writer.query(
    f"SELECT call_id FROM {table} WHERE agent = {{agent:String}} AND call_id < {{below:UInt64}} ORDER BY call_id",
    parameters={"agent": "agent-3", "below": 40},
)
out["selected"] = [r[0] for r in result.result_rows]
out["query_summary"] = result.summary
# Client-side binding (clickhouse-connect's %(name)s style) as well.
out["sum_talk"] = writer.query(
    f"SELECT sum(talk_s) FROM {table} WHERE call_id < %(n)s", parameters={"n": 100}
).result_rows[0][0]
# The session: SET and temporary tables persist between requests of this client.
writer.command("SET max_threads = 3")
out["session_max_threads"] = writer.command("SELECT getSetting('max_threads')")
writer.command("CREATE TEMPORARY TABLE callbacks (lead_id UInt64)")
writer.command("INSERT INTO callbacks VALUES (1), (2), (3)")
out["temp_rows"] = writer.command("SELECT count() FROM callbacks")
# Another client has its own session: no temporary table there.
other = client(os.environ["CH_USER"], os.environ["CH_PASSWORD"])
out["other_session_temp"] = error_code(lambda: other.command("SELECT count() FROM callbacks"))
out["other_max_threads"] = other.command("SELECT getSetting('max_threads')")
# The analyst reads, in a session of its own, and stays read-only there.
analyst = client(os.environ["CH_ANALYST_USER"], os.environ["CH_ANALYST_PASSWORD"])
out["analyst_count"] = analyst.command(f"SELECT count() FROM {table}")
out["analyst_set"] = error_code(lambda: analyst.command("SET max_result_rows = 5"))
out["analyst_drop"] = error_code(lambda: analyst.command(f"DROP TABLE {table}"))
out["analyst_temp_table"] = error_code(lambda: analyst.command("CREATE TEMPORARY TABLE mine (x UInt8)"))
print(json.dumps(out, default=str))
