using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>A raw result row as the tests store it: the columns history reads, and when it arrived.</summary>
internal sealed record RawRow(string Check, DateTimeOffset StartedAt, string Status, double DurationMs, string Phases, DateTimeOffset IngestedAt);

/// <summary>
/// Raw results written straight into <c>results</c> (with their day partitions), with the arrival time a test chooses,
/// the rollups they must give (computed independently of the product's SQL), and the storage services over a test
/// database on a fake clock.
/// </summary>
internal static class HistoryRows
{
    public static async Task InsertAsync(NpgsqlDataSource dataSource, IEnumerable<RawRow> results)
    {
        var rows = results.ToList();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var day in rows.Select(r => r.StartedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Distinct())
        {
            await connection.ExecuteAsync("SELECT sentinel_results_partition(@day::date)", new { day });
        }

        await connection.ExecuteAsync(
            """
            INSERT INTO results (id, check_id, started_at, duration_ms, status, phases, measurements, problems, findings, node, ingested_at)
            SELECT sentinel_uuid_v7(s), c, s, d, st, p::jsonb, '{}', '[]', '[]', 'node-1', i
            FROM unnest(@checks, @startedAt, @durations, @statuses, @phases, @ingestedAt) AS u (c, s, d, st, p, i)
            """,
            new
            {
                checks = rows.Select(r => r.Check).ToArray(),
                startedAt = rows.Select(r => r.StartedAt.UtcDateTime).ToArray(),
                durations = rows.Select(r => r.DurationMs).ToArray(),
                statuses = rows.Select(r => r.Status).ToArray(),
                phases = rows.Select(r => r.Phases).ToArray(),
                ingestedAt = rows.Select(r => r.IngestedAt.UtcDateTime).ToArray(),
            });
    }

    /// <summary>
    /// Runs of three checks from <paramref name="from"/> for <paramref name="span"/>, each arriving 2 s after its start:
    /// "web" every 20 s with five phases, "db" every 60 s with two (no connect when it failed), "ping" every 7 s with
    /// none. Statuses cycle through up, degraded, down and unknown at different rates. Durations are multiples of
    /// 1/8 ms, which floating point adds exactly in any order, so sums do not depend on the order rows are read in.
    /// </summary>
    public static IEnumerable<RawRow> Runs(DateTimeOffset from, TimeSpan span, int seed = 7)
    {
        var random = new Random(seed);
        string Status() => random.Next(20) switch { < 13 => "up", < 16 => "degraded", < 19 => "down", _ => "unknown" };
        double Ms(int max) => random.Next(1, max * 8) / 8.0;

        for (var t = from; t < from + span; t += TimeSpan.FromSeconds(20))
        {
            var (resolve, connect, tls, processing, transfer) = (Ms(20), Ms(40), Ms(80), Ms(300), Ms(50));
            yield return new RawRow("web", t, Status(), resolve + connect + tls + processing + transfer + Ms(2),
                $$"""{"resolve": {{resolve}}, "connect": {{connect}}, "tls": {{tls}}, "processing": {{processing}}, "transfer": {{transfer}}}""", t.AddSeconds(2));
        }

        for (var t = from.AddSeconds(5); t < from + span; t += TimeSpan.FromSeconds(60))
        {
            var status = Status();
            var resolve = Ms(10);
            var phases = status == "down" ? $$"""{"resolve": {{resolve}}}""" : $$"""{"resolve": {{resolve}}, "connect": {{Ms(30)}}}""";
            yield return new RawRow("db", t, status, Ms(100), phases, t.AddSeconds(2));
        }

        for (var t = from.AddSeconds(3); t < from + span; t += TimeSpan.FromSeconds(7))
        {
            yield return new RawRow("ping", t, Status(), Ms(5), "{}", t.AddSeconds(2));
        }
    }

    /// <summary>
    /// Compares every row and column of <c>rollups_{unit}</c> with the same aggregate computed here over the raw rows
    /// (date_bin rather than date_trunc, jsonb_each_text rather than jsonb_each), for the buckets from
    /// <paramref name="retained"/> on and, if given, before <paramref name="before"/>; returns how many rows there are.
    /// </summary>
    public static async Task<int> AssertRollupsEqualRawAsync(NpgsqlDataSource dataSource, string unit, DateTimeOffset retained, DateTimeOffset? before = null)
    {
        var expected = await dataSource.QueryListAsync<RollupRow>(
            """
            WITH runs AS (
                SELECT check_id, started_at, status, 'total' AS phase, duration_ms AS ms FROM results
                UNION ALL
                SELECT r.check_id, r.started_at, r.status, e.key, e.value::float8 FROM results r, jsonb_each_text(r.phases) AS e
            )
            SELECT check_id AS CheckId, date_bin(@width, started_at, timestamptz '2000-01-01 00:00:00+00') AS Bucket, phase AS Phase,
                   count(*)::int AS Runs, sum((status = 'down')::int)::int AS Down, sum((status = 'degraded')::int)::int AS Degraded,
                   sum((status = 'unknown')::int)::int AS Unknown, min(ms) AS MinMs, avg(ms) AS AvgMs, max(ms) AS MaxMs,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS P95Ms
            FROM runs
            WHERE started_at >= @retained AND started_at < @before
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3
            """,
            new { width = unit == "hour" ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(1), retained = retained.UtcDateTime, before = Before(before) });
        var actual = await dataSource.QueryListAsync<RollupRow>(
            $"""
            SELECT check_id AS CheckId, bucket AS Bucket, phase AS Phase, runs AS Runs, down AS Down, degraded AS Degraded, unknown AS Unknown,
                   min_ms AS MinMs, avg_ms AS AvgMs, max_ms AS MaxMs, p95_ms AS P95Ms
            FROM rollups_{unit}
            WHERE bucket >= @retained AND bucket < @before
            ORDER BY 1, 2, 3
            """,
            new { retained = retained.UtcDateTime, before = Before(before) });

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(Rounded), actual.Select(Rounded));
        return actual.Count;
    }

    private static DateTime Before(DateTimeOffset? before) => (before ?? new DateTimeOffset(3000, 1, 1, 0, 0, 0, TimeSpan.Zero)).UtcDateTime;

    private static RollupRow Rounded(RollupRow row) =>
        row with { MinMs = Math.Round(row.MinMs, 9), AvgMs = Math.Round(row.AvgMs, 9), MaxMs = Math.Round(row.MaxMs, 9), P95Ms = Math.Round(row.P95Ms, 9) };

    /// <summary>Maintenance over <paramref name="dataSource"/>; <paramref name="perTransaction"/> sets how many minutes and hours a rollup transaction computes.</summary>
    public static StorageMaintenance Maintenance(NpgsqlDataSource dataSource, TimeProvider time, StorageOptions? options = null, (int Minutes, int Hours)? perTransaction = null)
    {
        var database = new DatabaseState();
        database.MarkReady();
        var storage = Options.Create(options ?? new StorageOptions());
        var rollups = perTransaction is { } sizes ? new ResultRollups(storage, time, sizes.Minutes, sizes.Hours) : new ResultRollups(storage, time);
        return new StorageMaintenance(dataSource, database, rollups, storage, time, NullLogger<StorageMaintenance>.Instance);
    }

    public static ResultHistory History(NpgsqlDataSource dataSource, TimeProvider time, StorageOptions? options = null) =>
        new(dataSource, new CheckLatestStore(dataSource, ProbeCatalog.Default), Options.Create(options ?? new StorageOptions()), time);

    /// <summary>A fake clock at <paramref name="now"/>, which is in the past so that the database's own clock never holds a round back.</summary>
    public static FakeTimeProvider Clock(DateTimeOffset now) => new(now);

    private sealed record RollupRow(string CheckId, DateTime Bucket, string Phase, int Runs, int Down, int Degraded, int Unknown,
        double MinMs, double AvgMs, double MaxMs, double P95Ms);
}
