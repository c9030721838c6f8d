using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Api.Endpoints;
using Sentinel.Probes;
using Sentinel.Testing;
using Sentinel.Worker.Storage;

namespace Sentinel.Bench;

/// <summary>
/// Whether a year of history stays fast: in a throwaway cluster started as the embedded one is (PostgreSQL's default
/// settings, shared_buffers 128 MB, fsync off), it generates with generate_series
/// <list type="bullet">
/// <item>hour rollups of <c>--checks</c> checks (default 10,000) over <c>--days</c> days (default 31), three rows per hour
/// (total, resolve, connect), as a 60 s check has them: 60 runs an hour;</item>
/// <item>minute rollups of the same checks over the last <c>--minute-hours</c> hours (default 24), three rows per minute;</item>
/// <item>raw results of the first <c>--raw-checks</c> checks (default 200) every 60 s over the same days, written in time
/// order as the writer writes them, so that one check's rows lie on as many pages as in a fleet of any size (a page
/// holds ~15 rows, of ~15 checks); rows carry phases, measurements and details as a tcp check's do.</item>
/// </list>
/// Then it times, over <c>--repeat</c> queries each (default 50, rotating through 20 of the raw checks): one check's
/// 30-day history through <see cref="ResultHistory"/> (hour buckets from rollups, the unsettled tail from raw rows)
/// against the same hourly points aggregated from the raw rows and against reading the raw rows themselves; its 30-day
/// uptime from rollups against counting raw rows; and a 24-hour history at minute resolution. Finally rollup rounds over
/// all checks' results (<see cref="TimeRollupRoundsAsync"/>). Target: the rolled-up 30-day history under 50 ms.
/// </summary>
internal static class HistoryBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var checks = Int(args, "--checks", 10_000);
        var days = Int(args, "--days", 31);
        var minuteHours = Int(args, "--minute-hours", 24);
        var rawChecks = Math.Min(checks, Int(args, "--raw-checks", 200));
        var repeat = Int(args, "--repeat", 50);

        await using var cluster = new PostgresCluster();
        await cluster.InitializeAsync();
        await using var dataSource = NpgsqlDataSource.Create(await cluster.CreateMigratedDatabaseAsync());
        var now = await Scalar<DateTimeOffset>(dataSource, "SELECT date_trunc('minute', now())");
        var from = now.AddDays(-days);

        var clock = Stopwatch.StartNew();
        await GenerateHourRollupsAsync(dataSource, checks, from, now);
        Console.WriteLine($"hour rollups: {await CountAsync(dataSource, "rollups_hour"):N0} rows ({checks:N0} checks x {days} days x 24 h x 3 phases) in {clock.Elapsed.TotalSeconds:0} s");
        clock.Restart();
        await GenerateMinuteRollupsAsync(dataSource, checks, now.AddHours(-minuteHours), now);
        Console.WriteLine($"minute rollups: {await CountAsync(dataSource, "rollups_minute"):N0} rows ({checks:N0} checks x {minuteHours} h x 60 min x 3 phases) in {clock.Elapsed.TotalSeconds:0} s");
        clock.Restart();
        await GenerateRawAsync(dataSource, rawChecks, from, now);
        Console.WriteLine($"raw results: {await CountAsync(dataSource, "results"):N0} rows ({rawChecks} checks x {days} days x 1,440 runs) in {clock.Elapsed.TotalSeconds:0} s");
        await ExecuteAsync(dataSource, "VACUUM ANALYZE");
        // As a round leaves it a minute ago: readers take hours up to the settled one from rollups, the rest from raw rows.
        await ExecuteAsync(dataSource, "UPDATE rollup_progress SET ingested_before = now() - interval '1 minute', hours_before = now()");
        Console.WriteLine($"database size: {await Scalar<long>(dataSource, "SELECT pg_database_size(current_database())") / (1024 * 1024):N0} MiB");
        Console.WriteLine();

        var options = Options.Create(new StorageOptions());
        var history = new ResultHistory(dataSource, new CheckLatestStore(dataSource, ProbeCatalog.Default), options, TimeProvider.System);
        var queried = Enumerable.Range(0, Math.Min(20, rawChecks)).Select(Check).ToArray();
        var month = (From: now.AddDays(-30), To: now.AddMinutes(1));

        Console.WriteLine($"one check, 30 days, {repeat} queries each (median / p95):");
        await TimeAsync("history, hour rollups (ResultHistory)", repeat, queried, async check =>
        {
            var page = await history.GetHistoryAsync(check, month.From, month.To);
            return page.Buckets!.Count;
        });
        await TimeAsync("same hourly points from raw rows", repeat, queried, check => CountRowsAsync(dataSource,
            $"SELECT count(DISTINCT bucket) FROM ({RollupSql.Aggregate("date_trunc('hour', r.started_at, 'UTC')", "results r", "r.check_id = $1 AND r.started_at >= $2 AND r.started_at < $3")}) AS a",
            check, month.From, month.To));
        await TimeAsync("raw rows, every page (ResultHistory, raw)", repeat, queried, async check =>
        {
            var runs = 0;
            for (DateTimeOffset? start = month.From; start is { } pageFrom;)
            {
                var page = await history.GetHistoryAsync(check, pageFrom, month.To, HistoryResolution.Raw, limit: 10_000);
                runs += page.Runs!.Count;
                start = page.Next;
            }

            return runs;
        });
        await TimeAsync("uptime, rollups + raw edges (ResultHistory)", repeat, queried, async check =>
            (int)(await history.GetUptimeAsync(check, month.From.AddSeconds(17), month.To)).Runs);
        await TimeAsync("uptime, counting raw rows", repeat, queried, check => CountRowsAsync(dataSource,
            "SELECT count(*) FILTER (WHERE status <> 'unknown') FROM results WHERE check_id = $1 AND started_at >= $2 AND started_at < $3",
            check, month.From.AddSeconds(17), month.To));
        Console.WriteLine($"one check, {minuteHours} hours:");
        await TimeAsync("history, minute rollups (ResultHistory)", repeat, queried, async check =>
            (await history.GetHistoryAsync(check, now.AddHours(-minuteHours), now, HistoryResolution.Minute)).Buckets!.Count);
        Console.WriteLine();

        await TimeRollupRoundsAsync(dataSource, options, checks);
        return 0;
    }

    /// <summary>
    /// Rollup rounds over results of every check, on a clock set to an hour of yesterday (<c>H</c>) so that the data
    /// can be laid out in advance; each result arrives 5 s after it started (a run and a write), after the round before. First a round
    /// over 30 minutes of results at once (catching up, as after an outage), then rounds over 5 minutes each (the
    /// default interval) while the hour fills, then the round that finds hour H settled and computes it.
    /// </summary>
    private static async Task TimeRollupRoundsAsync(NpgsqlDataSource dataSource, IOptions<StorageOptions> options, int checks)
    {
        var hour = await Scalar<DateTimeOffset>(dataSource, "SELECT date_trunc('hour', now()) - interval '1 day'");
        await ExecuteAsync(dataSource, "DELETE FROM rollup_pending_hours");
        await ExecuteAsync(dataSource, "UPDATE rollup_progress SET ingested_before = $1, hours_before = $1", hour);

        // The rows generated for the queries above arrived long before these rounds, as far as they are concerned; the
        // rounds' own checks are others, so that a minute holds one run.
        await ExecuteAsync(dataSource, "UPDATE results SET ingested_at = $1 - interval '1 day' WHERE ingested_at >= $1", hour);
        var rollups = new ResultRollups(options, TimeProvider.System);
        await using var connection = await dataSource.OpenConnectionAsync();

        // The clock 1 minute (the margin) and 3 s after the last minute of a round's results: its runs start over 50 s of
        // that minute and arrive 5 s later, so the watermark passes them all and none of the next round's.
        async Task<RollupRound> RoundAsync(DateTimeOffset from, DateTimeOffset to)
        {
            await InsertRunsAsync(dataSource, checks, from, to, "started + interval '5 seconds'", "round-");
            var now = to.AddMinutes(1).AddSeconds(3);
            return await rollups.RunAsync(connection, now, RetentionHorizons.At(now, options.Value), CancellationToken.None);
        }

        string Line(RollupRound round, int results) =>
            $"{round.Elapsed.TotalMilliseconds,8:0} ms   ({results:N0} results: {round.Minutes:N0} check-minutes and {round.Hours:N0} check-hours computed)";

        Console.WriteLine($"rollup rounds, {checks:N0} checks at 60 s:");
        var catchUp = await RoundAsync(hour, hour.AddMinutes(30));
        Console.WriteLine($"  {"30 minutes at once (catching up)",-48} {Line(catchUp, checks * 30)}");
        var rounds = new List<RollupRound>();
        for (var start = hour.AddMinutes(30); start < hour.AddMinutes(45); start = start.AddMinutes(5))
        {
            rounds.Add(await RoundAsync(start, start.AddMinutes(5)));
        }

        var median = rounds.OrderBy(r => r.Elapsed).ElementAt(rounds.Count / 2);
        Console.WriteLine($"  {$"5 minutes, the hour filling (median of {rounds.Count})",-48} {Line(median, checks * 5)}");

        // 30 minutes later (runs of the gap left out): the round whose watermark settles hour H.
        var closing = await RoundAsync(hour.AddMinutes(75), hour.AddMinutes(80));
        Console.WriteLine($"  {"5 minutes, and hour H settled",-48} {Line(closing, checks * 5)}");
    }

    private static async Task GenerateHourRollupsAsync(NpgsqlDataSource dataSource, int checks, DateTimeOffset from, DateTimeOffset to)
    {
        await ExecuteAsync(dataSource, "SELECT sentinel_rollups_partition('hour', m) FROM generate_series(date_trunc('month', $1::timestamptz, 'UTC'), $2, '1 month') AS m", from, to);

        // Hour by hour, all checks in each, as rounds write them: one check's hours lie on as many pages as it has hours.
        for (var day = from; day < to; day = day.AddDays(1))
        {
            await ExecuteAsync(dataSource, $"""
                INSERT INTO rollups_hour ({RollupSql.Columns})
                SELECT 'check-' || lpad(c::text, 5, '0'), h, p.phase, 60, (c + extract(hour FROM h)::int) % 13 / 12, c % 3 / 2, 0,
                       p.scale * 0.5, p.scale * (1 + c % 7), p.scale * 20, p.scale * 9
                FROM generate_series(date_trunc('hour', $1::timestamptz), least($2, $1 + interval '1 day') - interval '1 hour', '1 hour') AS h
                CROSS JOIN generate_series(0, $3 - 1) AS c
                CROSS JOIN (VALUES ('total', 4.0), ('resolve', 0.5), ('connect', 1.5)) AS p (phase, scale)
                ORDER BY h, c
                """, day, to, checks);
        }
    }

    private static async Task GenerateMinuteRollupsAsync(NpgsqlDataSource dataSource, int checks, DateTimeOffset from, DateTimeOffset to)
    {
        await ExecuteAsync(dataSource, "SELECT sentinel_rollups_partition('minute', d) FROM generate_series(date_trunc('day', $1::timestamptz, 'UTC'), $2, '1 day') AS d", from, to);
        for (var hour = from; hour < to; hour = hour.AddHours(1))
        {
            await ExecuteAsync(dataSource, $"""
                INSERT INTO rollups_minute ({RollupSql.Columns})
                SELECT 'check-' || lpad(c::text, 5, '0'), m, p.phase, 1, (c + extract(minute FROM m)::int) % 97 / 96, 0, 0,
                       p.scale * (1 + c % 7), p.scale * (1 + c % 7), p.scale * (1 + c % 7), p.scale * (1 + c % 7)
                FROM generate_series($1::timestamptz, least($2, $1 + interval '1 hour') - interval '1 minute', '1 minute') AS m
                CROSS JOIN generate_series(0, $3 - 1) AS c
                CROSS JOIN (VALUES ('total', 4.0), ('resolve', 0.5), ('connect', 1.5)) AS p (phase, scale)
                ORDER BY m, c
                """, hour, to, checks);
        }
    }

    private static async Task GenerateRawAsync(NpgsqlDataSource dataSource, int checks, DateTimeOffset from, DateTimeOffset to)
    {
        for (var day = from; day < to; day = day.AddDays(1))
        {
            await InsertRunsAsync(dataSource, checks, day, day.AddDays(1) < to ? day.AddDays(1) : to, "started + interval '2 seconds'");
        }
    }

    /// <summary>
    /// One run a minute of checks 0 to <paramref name="checks"/> − 1 (named <paramref name="prefix"/> and five digits) in
    /// [from, to), in time order, as a tcp check's rows look; <paramref name="ingestedAt"/> is SQL over the run's <c>started</c>.
    /// </summary>
    private static async Task InsertRunsAsync(NpgsqlDataSource dataSource, int checks, DateTimeOffset from, DateTimeOffset to, string ingestedAt, string prefix = "check-")
    {
        await ExecuteAsync(dataSource, "SELECT sentinel_results_partition(d::date) FROM generate_series(($1::timestamptz AT TIME ZONE 'UTC')::date, ($2::timestamptz AT TIME ZONE 'UTC')::date, '1 day') AS d", from, to);
        await ExecuteAsync(dataSource, $$"""
            INSERT INTO results (id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                                 phases, measurements, problems, findings, details, node, ingested_at)
            SELECT sentinel_uuid_v7(started), $4 || lpad(c::text, 5, '0'), started, 4 + c % 7, status,
                   CASE status WHEN 'down' THEN 'tcp' END, CASE status WHEN 'down' THEN 'tcp_refused' END,
                   CASE status WHEN 'down' THEN '10.0.0.1:443 refused the connection: nothing is listening on port 443' END,
                   jsonb_build_object('resolve', 0.5 + c % 3, 'connect', 1.5 + c % 5),
                   jsonb_build_object('tcp.duration.resolve_ms', 0.5 + c % 3, 'tcp.duration.connect_ms', 1.5 + c % 5, 'tcp.duration.total_ms', 4 + c % 7),
                   CASE status WHEN 'down' THEN '[{"layer": "tcp", "category": "tcp_refused", "severity": "error"}]'::jsonb ELSE '[]' END, '[]',
                   jsonb_build_object('resolver', 'system', 'addresses', jsonb_build_array('10.0.' || c / 250 || '.' || c % 250), 'remote', '10.0.' || c / 250 || '.' || c % 250 || ':443'),
                   'bench-node', {{ingestedAt}}
            FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', '1 minute') AS t
            CROSS JOIN generate_series(0, $3 - 1) AS c
            CROSS JOIN LATERAL (SELECT t + c * interval '5 ms' AS started,
                                       CASE WHEN (c + extract(epoch FROM t)::bigint / 60) % 50 = 0 THEN 'down' ELSE 'up' END AS status) AS run
            ORDER BY t, c
            """, from, to, checks, prefix);
    }

    private static async Task TimeAsync(string label, int repeat, string[] checks, Func<string, Task<int>> query)
    {
        for (var i = 0; i < 3; i++)
        {
            await query(checks[i % checks.Length]);
        }

        var samples = new List<double>();
        var points = 0;
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            points = await query(checks[i % checks.Length]);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"  {label,-48} {Stats.Median(samples),8:0.0} ms / {Stats.Percentile(samples, 0.95),8:0.0} ms   ({points:N0} points)");
    }

    private static async Task<int> CountRowsAsync(NpgsqlDataSource dataSource, string sql, string check, DateTimeOffset from, DateTimeOffset to) =>
        (int)await Scalar<long>(dataSource, sql, check, from, to);

    private static string Check(int i) => "check-" + i.ToString("00000", CultureInfo.InvariantCulture);

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string table) => await Scalar<long>(dataSource, $"SELECT count(*) FROM {table}");

    private static async Task<T> Scalar<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter is DateTimeOffset time ? time.ToUniversalTime() : parameter });
        }

        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetFieldValue<T>(0);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter is DateTimeOffset time ? time.ToUniversalTime() : parameter });
        }

        await command.ExecuteNonQueryAsync();
    }

    private static int Int(string[] args, string name, int fallback) =>
        AccuracyServer.Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
