using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// Rollup rounds against raw rows on a real PostgreSQL: every column of every minute and hour rollup is compared with
/// an aggregate written independently here, over the raw rows, after the first round, after late rows, once an hour
/// is settled, and again.
/// </summary>
public sealed class ResultRollupsTests(PostgresCluster postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunOnceAsync_RawRowsOfSeveralChecks_RollupsEqualTheirAggregatesEachHourOnceSettled()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await HistoryRows.InsertAsync(dataSource, HistoryRows.Runs(Now.AddHours(-3), TimeSpan.FromMinutes(170)));
        var clock = HistoryRows.Clock(Now);
        var maintenance = HistoryRows.Maintenance(dataSource, clock);

        var round = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(round);
        Assert.Equal(Now.AddMinutes(-1), round.Rollup.To);
        Assert.Equal(await CountAsync(dataSource, "SELECT count(DISTINCT (check_id, date_trunc('minute', started_at, 'UTC'))) FROM results"), round.Rollup.Minutes);
        var minutes = await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "minute", Now.AddDays(-7));

        // Three checks over 170 minutes: "web" has six rows per minute (total and five phases), "db" two or, when its one
        // run did not fail, three, "ping" one.
        var dbConnected = await CountAsync(dataSource, "SELECT count(*) FROM results WHERE check_id = 'db' AND status <> 'down'");
        Assert.Equal((170 * 6) + (170 * 2) + dbConnected + 170, minutes);

        // Runs of the hour from 11:00 may still arrive (until its end plus the longest timeout): it waits, the two before
        // it are rolled up, each with the rows of the three checks.
        Assert.Equal(2 * 3, round.Rollup.Hours);
        Assert.Equal(2 * (6 + 3 + 1), await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "hour", Now.AddDays(-7), before: Now.AddHours(-1)));
        Assert.Equal(0, await CountAsync(dataSource, $"SELECT count(*) FROM rollups_hour WHERE bucket = '{Now.AddHours(-1):o}'"));
        Assert.Equal(3, await CountAsync(dataSource, "SELECT count(*) FROM rollup_pending_hours"));
        Assert.Equal(Now.AddHours(-1), await HoursBeforeAsync(dataSource));

        clock.Advance(TimeSpan.FromMinutes(16));
        var settled = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal((0, 3), (settled!.Rollup.Minutes, settled.Rollup.Hours));
        Assert.Equal(3 * (6 + 3 + 1), await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "hour", Now.AddDays(-7)));
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM rollup_pending_hours"));
        Assert.Equal(Now, await HoursBeforeAsync(dataSource));
    }

    [Fact]
    public async Task RunOnceAsync_MoreBucketsThanOneTransactionTakes_RollsThemUpInSeveralAllEqualToTheirAggregates()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await HistoryRows.InsertAsync(dataSource, HistoryRows.Runs(Now.AddHours(-3), TimeSpan.FromMinutes(170)));
        var clock = HistoryRows.Clock(Now.AddMinutes(16));

        // 510 check-minutes, 7 to a transaction; 9 check-hours, 2 to a transaction.
        var round = await HistoryRows.Maintenance(dataSource, clock, perTransaction: (7, 2)).RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal((510, 9), (round!.Rollup.Minutes, round.Rollup.Hours));
        await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "minute", Now.AddDays(-7));
        await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "hour", Now.AddDays(-7));
        Assert.Equal(Now.AddMinutes(15).UtcDateTime, await dataSource.QueryValueAsync<DateTime>("SELECT ingested_before FROM rollup_progress"));
        Assert.Equal(Now, await HoursBeforeAsync(dataSource));
    }

    [Fact]
    public async Task RunOnceAsync_LateRowsAfterARound_RecomputeTheirOldBucketsOnly()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await HistoryRows.InsertAsync(dataSource, HistoryRows.Runs(Now.AddHours(-3), TimeSpan.FromMinutes(170)));
        var clock = HistoryRows.Clock(Now);
        var maintenance = HistoryRows.Maintenance(dataSource, clock);
        await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        // Replayed after an outage: runs of two hours ago (and of a check seen nowhere else) arrive after the round.
        var late = HistoryRows.Runs(Now.AddHours(-2).AddMinutes(10), TimeSpan.FromMinutes(10), seed: 99)
            .Select(r => r with { Check = r.Check == "ping" ? "replayed" : r.Check, IngestedAt = Now.AddSeconds(30) })
            .ToList();
        await HistoryRows.InsertAsync(dataSource, late);
        clock.Advance(TimeSpan.FromMinutes(5));

        var round = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(round);
        Assert.Equal((Now.AddMinutes(-1), Now.AddMinutes(4)), (round.Rollup.From, round.Rollup.To));
        Assert.Equal(late.Select(r => (r.Check, Minute: r.StartedAt.UtcTicks / TimeSpan.TicksPerMinute)).Distinct().Count(), round.Rollup.Minutes);
        Assert.Equal(3, round.Rollup.Hours);
        await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "minute", Now.AddDays(-7));
        await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "hour", Now.AddDays(-7), before: Now.AddHours(-1));
        Assert.Equal(1, await CountAsync(dataSource, "SELECT count(DISTINCT bucket) FROM rollups_hour WHERE check_id = 'replayed'"));
    }

    [Fact]
    public async Task RunOnceAsync_AgainOrFromScratch_ChangesNothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await HistoryRows.InsertAsync(dataSource, HistoryRows.Runs(Now.AddHours(-2), TimeSpan.FromMinutes(110)));
        var clock = HistoryRows.Clock(Now);
        var maintenance = HistoryRows.Maintenance(dataSource, clock);
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
        var clock = HistoryRows.Clock(Now);
        var maintenance = HistoryRows.Maintenance(dataSource, clock);

        // Its transaction began 30 s ago: less than the margin (1 min), so it might not have committed yet.
        await HistoryRows.InsertAsync(dataSource, [new RawRow("fresh", Now.AddSeconds(-40), "up", 5, "{}", Now.AddSeconds(-30))]);
        var first = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, first!.Rollup.Minutes);
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM rollups_minute"));

        clock.Advance(TimeSpan.FromSeconds(31));
        var second = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, second!.Rollup.Minutes);
        await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "minute", Now.AddDays(-7));
    }

    [Fact]
    public async Task RunOnceAsync_RowsOfDaysPastTheMinuteRetention_RollUpByTheHourOnly()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var maintenance = HistoryRows.Maintenance(dataSource, HistoryRows.Clock(Now));
        var old = Now.AddDays(-20);

        // Within the raw retention (30 days), past the minute rollups' (7 days).
        await HistoryRows.InsertAsync(dataSource, [new RawRow("old", old, "down", 5, "{\"connect\": 2}", Now.AddMinutes(-10))]);
        var round = await maintenance.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, round!.Rollup.Minutes);
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM rollups_minute"));
        Assert.Equal(0, await CountAsync(dataSource, $"SELECT count(*) FROM pg_class WHERE relname = 'rollups_minute_{old:yyyyMMdd}'"));
        Assert.Equal(2, await CountAsync(dataSource, "SELECT count(*) FROM rollups_hour WHERE check_id = 'old' AND down = 1"));
    }

    private static async Task<string> SnapshotAsync(NpgsqlDataSource dataSource) => await dataSource.QueryValueAsync<string>(
        """
        SELECT string_agg(format('%s %s %s %s %s %s %s %s %s %s %s', check_id, bucket, phase, runs, down, degraded, unknown, min_ms, avg_ms, max_ms, p95_ms), E'\n' ORDER BY t, check_id, bucket, phase)
        FROM (SELECT 'm' AS t, * FROM rollups_minute UNION ALL SELECT 'h', * FROM rollups_hour) AS rollups
        """);

    private static async Task<DateTimeOffset> HoursBeforeAsync(NpgsqlDataSource dataSource) =>
        new(await dataSource.QueryValueAsync<DateTime>("SELECT hours_before FROM rollup_progress"));

    private static async Task<int> CountAsync(NpgsqlDataSource dataSource, string sql) => (int)await dataSource.QueryValueAsync<long>(sql);
}
