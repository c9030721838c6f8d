using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// Rollup rounds against raw rows on a real PostgreSQL: every column of every minute and hour rollup is compared with
/// an aggregate written independently here, over the raw rows, after the first round, after late rows and again.
/// </summary>
public sealed class ResultRollupsTests(PostgresCluster postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunOnceAsync_RawRowsOfSeveralChecks_RollupsEqualTheirAggregates()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await StoredResults.InsertAsync(dataSource, StoredResults.Runs(Now.AddHours(-3), TimeSpan.FromMinutes(170)));
        var maintenance = StoredResults.Maintenance(dataSource, StoredResults.Clock(Now));

        var round = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(round);
        Assert.Equal(Now.AddMinutes(-1), round.Rollup.To);
        Assert.Equal(await CountAsync(dataSource, "SELECT count(DISTINCT (check_id, date_trunc('minute', started_at, 'UTC'))) FROM results"), round.Rollup.Minutes);
        var minutes = await AssertRollupsEqualRawAsync(dataSource, "minute");
        var hours = await AssertRollupsEqualRawAsync(dataSource, "hour");

        // Three checks over 170 minutes: "web" has six rows per minute (total and five phases), "db" two or, when its one
        // run did not fail, three, "ping" one. Each of the three hours has all of them.
        var dbConnected = await CountAsync(dataSource, "SELECT count(*) FROM results WHERE check_id = 'db' AND status <> 'down'");
        Assert.Equal((170 * 6) + (170 * 2) + dbConnected + 170, minutes);
        Assert.Equal(3 * (6 + 3 + 1), hours);
    }

    [Fact]
    public async Task RunOnceAsync_LateRowsAfterARound_RecomputeTheirOldBucketsOnly()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await StoredResults.InsertAsync(dataSource, StoredResults.Runs(Now.AddHours(-3), TimeSpan.FromMinutes(170)));
        var clock = StoredResults.Clock(Now);
        var maintenance = StoredResults.Maintenance(dataSource, clock);
        await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        // Replayed after an outage: runs of two hours ago (and of a check seen nowhere else) arrive after the round.
        var late = StoredResults.Runs(Now.AddHours(-2).AddMinutes(10), TimeSpan.FromMinutes(10), seed: 99)
            .Select(r => r with { Check = r.Check == "ping" ? "replayed" : r.Check, IngestedAt = Now.AddSeconds(30) })
            .ToList();
        await StoredResults.InsertAsync(dataSource, late);
        clock.Advance(TimeSpan.FromMinutes(5));

        var round = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(round);
        Assert.Equal((Now.AddMinutes(-1), Now.AddMinutes(4)), (round.Rollup.From, round.Rollup.To));
        Assert.Equal(late.Select(r => (r.Check, Minute: r.StartedAt.UtcTicks / TimeSpan.TicksPerMinute)).Distinct().Count(), round.Rollup.Minutes);
        await AssertRollupsEqualRawAsync(dataSource, "minute");
        await AssertRollupsEqualRawAsync(dataSource, "hour");
        Assert.Equal(1, await CountAsync(dataSource, "SELECT count(DISTINCT bucket) FROM rollups_hour WHERE check_id = 'replayed'"));
    }

    [Fact]
    public async Task RunOnceAsync_AgainOrFromScratch_ChangesNothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await StoredResults.InsertAsync(dataSource, StoredResults.Runs(Now.AddHours(-2), TimeSpan.FromMinutes(110)));
        var clock = StoredResults.Clock(Now);
        var maintenance = StoredResults.Maintenance(dataSource, clock);
        await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);
        var before = await SnapshotAsync(dataSource);

        var again = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);
        await dataSource.ExecuteAsync("UPDATE rollup_progress SET ingested_before = '-infinity'");
        clock.Advance(TimeSpan.FromMinutes(5));
        var fromScratch = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal((0, 0, 0), (again!.Rollup.Minutes, again.Rollup.MinuteRows, again.Rollup.HourRows));
        Assert.True(fromScratch!.Rollup.Minutes > 0);
        Assert.Equal((0, 0), (fromScratch.Rollup.MinuteRows, fromScratch.Rollup.HourRows));
        Assert.Equal(before, await SnapshotAsync(dataSource));
    }

    [Fact]
    public async Task RunOnceAsync_RowsArrivedWithinTheMargin_WaitForTheNextRound()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var clock = StoredResults.Clock(Now);
        var maintenance = StoredResults.Maintenance(dataSource, clock);

        // Its transaction began 30 s ago: less than the margin (1 min), so it might not have committed yet.
        await StoredResults.InsertAsync(dataSource, [new StoredResult("fresh", Now.AddSeconds(-40), "up", 5, "{}", Now.AddSeconds(-30))]);
        var first = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, first!.Rollup.Minutes);
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM rollups_minute"));

        clock.Advance(TimeSpan.FromSeconds(31));
        var second = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, second!.Rollup.Minutes);
        await AssertRollupsEqualRawAsync(dataSource, "minute");
    }

    [Fact]
    public async Task RunOnceAsync_RowsOfDaysPastTheMinuteRetention_RollUpByTheHourOnly()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var maintenance = StoredResults.Maintenance(dataSource, StoredResults.Clock(Now));
        var old = Now.AddDays(-20);

        // Within the raw retention (30 days), past the minute rollups' (7 days).
        await StoredResults.InsertAsync(dataSource, [new StoredResult("old", old, "down", 5, "{\"connect\": 2}", Now.AddMinutes(-10))]);
        var round = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, round!.Rollup.Minutes);
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM rollups_minute"));
        Assert.Equal(0, await CountAsync(dataSource, $"SELECT count(*) FROM pg_class WHERE relname = 'rollups_minute_{old:yyyyMMdd}'"));
        Assert.Equal(2, await CountAsync(dataSource, "SELECT count(*) FROM rollups_hour WHERE check_id = 'old' AND down = 1"));
    }

    /// <summary>
    /// Compares every row and column of <c>rollups_{unit}</c> with the same aggregate computed here over the raw rows
    /// (date_bin rather than date_trunc, jsonb_each_text rather than jsonb_each); returns how many rows there are.
    /// </summary>
    private static async Task<int> AssertRollupsEqualRawAsync(NpgsqlDataSource dataSource, string unit)
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
            WHERE started_at >= @retained
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3
            """,
            new { width = unit == "hour" ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(1), retained = Now.AddDays(-7).UtcDateTime });
        var actual = await dataSource.QueryListAsync<RollupRow>(
            $"""
            SELECT check_id AS CheckId, bucket AS Bucket, phase AS Phase, runs AS Runs, down AS Down, degraded AS Degraded, unknown AS Unknown,
                   min_ms AS MinMs, avg_ms AS AvgMs, max_ms AS MaxMs, p95_ms AS P95Ms
            FROM rollups_{unit}
            WHERE bucket >= @retained
            ORDER BY 1, 2, 3
            """,
            new { retained = Now.AddDays(-7).UtcDateTime });

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(Rounded), actual.Select(Rounded));
        return actual.Count;
    }

    private static RollupRow Rounded(RollupRow row) =>
        row with { MinMs = Math.Round(row.MinMs, 9), AvgMs = Math.Round(row.AvgMs, 9), MaxMs = Math.Round(row.MaxMs, 9), P95Ms = Math.Round(row.P95Ms, 9) };

    private static async Task<string> SnapshotAsync(NpgsqlDataSource dataSource) => await dataSource.QueryValueAsync<string>(
        """
        SELECT string_agg(format('%s %s %s %s %s %s %s %s %s %s %s', check_id, bucket, phase, runs, down, degraded, unknown, min_ms, avg_ms, max_ms, p95_ms), E'\n' ORDER BY t, check_id, bucket, phase)
        FROM (SELECT 'm' AS t, * FROM rollups_minute UNION ALL SELECT 'h', * FROM rollups_hour) AS rollups
        """);

    private static async Task<int> CountAsync(NpgsqlDataSource dataSource, string sql) => (int)await dataSource.QueryValueAsync<long>(sql);

    private sealed record RollupRow(string CheckId, DateTime Bucket, string Phase, int Runs, int Down, int Degraded, int Unknown,
        double MinMs, double AvgMs, double MaxMs, double P95Ms);
}
