// A ClickHouse client that an analyst would write with clickhouse-go over HTTP, default
// settings: the integration test (analytics/src/host/clients.int.test.ts) runs it against
// the embedded host and checks what it prints (one JSON object).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

type report struct {
	Version      string  `json:"version"`
	Inserted     int     `json:"inserted"`
	Count        uint64  `json:"count"`
	Selected     []int64 `json:"selected"`
	SumAmount    float64 `json:"sumAmount"`
	AnalystCount uint64  `json:"analystCount"`
	AnalystErr   string  `json:"analystErr"`
}

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Fprintf(os.Stderr, "missing env %s\n", name)
		os.Exit(2)
	}
	return v
}

func open(user, password string) (clickhouse.Conn, error) {
	return clickhouse.Open(&clickhouse.Options{
		Addr:     []string{env("CH_ADDR")},
		Protocol: clickhouse.HTTP,
		Auth:     clickhouse.Auth{Database: "default", Username: user, Password: password},
	})
}

func run(ctx context.Context) (*report, error) {
	table := env("CH_TABLE")
	rows, _ := strconv.Atoi(env("CH_ROWS"))
	conn, err := open(env("CH_USER"), env("CH_PASSWORD"))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer conn.Close()
	if err := conn.Ping(ctx); err != nil {
		return nil, fmt.Errorf("ping: %w", err)
	}
	out := &report{}
	sv, err := conn.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("server version: %w", err)
	}
	out.Version = sv.String()
	ddl := "CREATE TABLE " + table + " (call_id UInt64, agent String, talk_s Float64, at DateTime('UTC')) ENGINE = MergeTree ORDER BY call_id"
	if err := conn.Exec(ctx, ddl); err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+table)
	if err != nil {
		return nil, fmt.Errorf("prepare batch: %w", err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		agent := fmt.Sprintf("agent-%d", i%7)
		if err := batch.Append(uint64(i), agent, float64(i)/2, start.Add(time.Duration(i)*time.Second)); err != nil {
			return nil, fmt.Errorf("append: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return nil, fmt.Errorf("send batch: %w", err)
	}
	out.Inserted = rows
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&out.Count); err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	// Server-side parameters ({name:Type}), sent as param_name in the URL.
	pctx := clickhouse.Context(ctx, clickhouse.WithParameters(clickhouse.Parameters{"agent": "agent-3", "below": "40"}))
	res, err := conn.Query(pctx, "SELECT call_id FROM "+table+" WHERE agent = {agent:String} AND call_id < {below:UInt64} ORDER BY call_id")
	if err != nil {
		return nil, fmt.Errorf("query with parameters: %w", err)
	}
	for res.Next() {
		var id uint64
		if err := res.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out.Selected = append(out.Selected, int64(id))
	}
	res.Close()
	if err := conn.QueryRow(ctx, "SELECT sum(talk_s) FROM "+table).Scan(&out.SumAmount); err != nil {
		return nil, fmt.Errorf("sum: %w", err)
	}
	// The analyst is read-only: the host must refuse its DDL with ClickHouse's error.
	analyst, err := open(env("CH_ANALYST_USER"), env("CH_ANALYST_PASSWORD"))
	if err != nil {
		return nil, fmt.Errorf("open analyst: %w", err)
	}
	defer analyst.Close()
	// No deadline here: clickhouse-go turns a context deadline into max_execution_time, which a
	// read-only (readonly=1) user may not change, on a ClickHouse server as on the embedded host.
	bg := context.Background()
	if err := analyst.QueryRow(bg, "SELECT count() FROM "+table).Scan(&out.AnalystCount); err != nil {
		return nil, fmt.Errorf("analyst count: %w", err)
	}
	if err := analyst.Exec(bg, "DROP TABLE "+table); err != nil {
		out.AnalystErr = err.Error()
	}
	return out, nil
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
