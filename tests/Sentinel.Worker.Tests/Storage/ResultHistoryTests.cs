using System.Text.Json;
using Npgsql;
using Sentinel.Api.Endpoints;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// History queries on a real PostgreSQL over three days of a 60 s check, rolled up once by a maintenance round: the
/// resolution each range gets, the bound on a page, and uptime counted exactly against the raw rows, also over the
/// runs that arrived after the round.
/// </summary>
public sealed class ResultHistoryTests(PostgresCluster postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(2, HistoryResolution.Raw, 120)]
    [InlineData(6, HistoryResolution.Raw, 360)]
    [InlineData(12, HistoryResolution.Minute, 720)]
    [InlineData(24, HistoryResolution.Minute, 1440)]
    [InlineData(48, HistoryResolution.Hour, 48)]
    [InlineData(73, HistoryResolution.Hour, 72)]
    public async Task GetHistoryAsync_RangeLength_ChoosesTheResolution(int hours, HistoryResolution expected, int points)
    {
        await using var dataSource = await ThreeDaysAsync();

        var history = await HistoryRows.History(dataSource, HistoryRows.Clock(Now))
            .GetHistoryAsync("h", Now.AddHours(-hours), Now, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(expected, history.Resolution);
        Assert.Equal(points, expected == HistoryResolution.Raw ? history.Runs!.Count : history.Buckets!.Count);
        Assert.Null(history.Next);
        Assert.True(expected == HistoryResolution.Raw ? history.Buckets is null : history.Runs is null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetHistoryAsync_HourBuckets_EqualTheirRawRunsUpToTheNewestNotRolledUp(bool hoursBehind)
    {
        await using var dataSource = await ThreeDaysAsync();
        await HistoryRows.InsertAsync(dataSource, [new RawRow("h", Now.AddSeconds(-10), "down", 9.5, """{"connect": 3.25}""", Now.AddSeconds(5))]);
        if (hoursBehind)
        {
            // A round that moved the minute watermark but has not computed the last five settled hours yet.
            await dataSource.ExecuteAsync(
                """
                WITH behind AS (DELETE FROM rollups_hour WHERE bucket >= @since RETURNING check_id, bucket)
                INSERT INTO rollup_pending_hours SELECT DISTINCT check_id, bucket FROM behind;
                UPDATE rollup_progress SET hours_before = @since;
                """,
                new { since = Now.AddHours(-5).UtcDateTime });
        }

        var history = await HistoryRows.History(dataSource, HistoryRows.Clock(Now.AddSeconds(10)))
            .GetHistoryAsync("h", Now.AddDays(-3), Now, cancellationToken: TestContext.Current.CancellationToken);

        var expected = await dataSource.QueryListAsync<HourRow>(
            """
            SELECT date_bin('1 hour', started_at, timestamptz '2000-01-01 00:00:00+00') AS Bucket, count(*) AS Runs,
                   count(*) FILTER (WHERE status = 'up') AS Up, count(*) FILTER (WHERE status = 'degraded') AS Degraded,
                   count(*) FILTER (WHERE status = 'down') AS Down, count(*) FILTER (WHERE status = 'unknown') AS Unknown,
                   min(duration_ms) AS Min, max(duration_ms) AS Max, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS P95
            FROM results WHERE check_id = 'h' GROUP BY 1 ORDER BY 1
            """);
        Assert.Equal(HistoryResolution.Hour, history.Resolution);
        Assert.Equal(expected.Count, history.Buckets!.Count);
        Assert.Equal(
            expected.Select(e => (new DateTimeOffset(e.Bucket.ToUniversalTime()), (int)e.Runs, (int)e.Up, (int)e.Degraded, (int)e.Down, (int)e.Unknown, e.Min, e.Max, Math.Round(e.P95, 9))),
            history.Buckets.Select(b => (b.Start, b.Runs, b.Up, b.Degraded, b.Down, b.Unknown, b.Duration.MinMs, b.Duration.MaxMs, Math.Round(b.Duration.P95Ms, 9))));
        var newest = history.Buckets[^1];
        Assert.Equal(61, newest.Runs);
        Assert.Equal(new DurationStats(1, 3.25, 3.25, 3.25, 3.25), newest.Phases["connect"]);
        Assert.Equal(60, newest.Phases["resolve"].Runs);
    }

    [Fact]
    public async Task GetHistoryAsync_MoreThanTheLimit_ReturnsAPageAndWhereTheNextOneStarts()
    {
        await using var dataSource = await ThreeDaysAsync();
        var history = HistoryRows.History(dataSource, HistoryRows.Clock(Now));
        var ct = TestContext.Current.CancellationToken;

        var pages = new List<ResultHistoryPage>();
        for (var from = Now.AddHours(-2); pages.Count < 10;)
        {
            var page = await history.GetHistoryAsync("h", from, Now, HistoryResolution.Raw, limit: 50, ct);
            pages.Add(page);
            if (page.Next is not { } next)
            {
                break;
            }

            from = next;
        }

        Assert.Equal([50, 50, 20], pages.Select(p => p.Runs!.Count));
        Assert.Equal(pages[1].Runs![0].StartedAt, pages[0].Next);
        Assert.Equal(120, pages.SelectMany(p => p.Runs!).Select(r => r.Id).Distinct().Count());

        var minutes = await history.GetHistoryAsync("h", Now.AddHours(-12), Now, limit: 100, cancellationToken: ct);
        Assert.Equal(100, minutes.Buckets!.Count);
        Assert.Equal(Now.AddHours(-12).AddMinutes(100), minutes.Next);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => history.GetHistoryAsync("h", Now.AddHours(-1), Now, limit: 0, cancellationToken: ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => history.GetHistoryAsync("h", Now.AddHours(-1), Now, limit: 10_001, cancellationToken: ct));
        await Assert.ThrowsAsync<ArgumentException>(() => history.GetHistoryAsync("h", Now, Now, cancellationToken: ct));
    }

    [Theory]
    [InlineData(-40 * 24, 2, HistoryResolution.Hour)]
    [InlineData(-10 * 24, 12, HistoryResolution.Hour)]
    [InlineData(-10 * 24, 2, HistoryResolution.Raw)]
    [InlineData(-2 * 24, 2, HistoryResolution.Raw)]
    public async Task GetHistoryAsync_RangePastAResolutionsRetention_UsesTheNextCoarser(int startHours, int hours, HistoryResolution expected)
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());

        var history = await HistoryRows.History(dataSource, HistoryRows.Clock(Now))
            .GetHistoryAsync("h", Now.AddHours(startHours), Now.AddHours(startHours + hours), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(expected, history.Resolution);
    }

    [Fact]
    public async Task GetHistoryAsync_RawRuns_CarryWhatAnApiServes()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await HistoryRows.InsertAsync(dataSource, [new RawRow("api", Now.AddMinutes(-5), "degraded", 12.5, """{"resolve": 0.5, "connect": 2}""", Now)]);

        var history = await HistoryRows.History(dataSource, HistoryRows.Clock(Now))
            .GetHistoryAsync("api", Now.AddHours(-1), Now, cancellationToken: TestContext.Current.CancellationToken);

        var run = Assert.Single(history.Runs!);
        Assert.Equal((Now.AddMinutes(-5), "degraded", 12.5, "node-1"), (run.StartedAt, run.Status, run.DurationMs, run.Node));
        Assert.Equal(new Dictionary<string, double> { ["resolve"] = 0.5, ["connect"] = 2 }, run.PhasesMs);
        var json = JsonSerializer.Serialize(history, ApiJsonContext.Default.ResultHistoryPage);
        Assert.Contains("\"resolution\":\"raw\"", json, StringComparison.Ordinal);
        Assert.Contains("\"phasesMs\":{\"connect\":2,\"resolve\":0.5}", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLatestAsync_ChecksWithAndWithoutRuns_EveryCheckOnceWithItsNewestRunAndNoRemovedOne()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        foreach (var (id, enabled) in new[] { ("web", true), ("api", true), ("never-ran", true), ("paused", false) })
        {
            await dataSource.ExecuteAsync(
                "INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, definition, origin) " +
                "VALUES (@id, 'http', 'https://' || @id || '.example/', 'The ' || @id, 60000, 10000, @enabled, '{}', 'file')",
                new { id, enabled });
        }

        // "removed" has a latest run but no longer a check.
        (string Check, DateTimeOffset StartedAt, string Status, string? Failure)[] latestRuns =
        [
            ("web", Now.AddSeconds(-30), "down", "connection refused"),
            ("api", Now.AddMinutes(-1), "up", null), ("paused", Now.AddDays(-2), "degraded", null), ("removed", Now, "up", null),
        ];
        var runs = latestRuns.Select(r => (r.Check, Id: Guid.CreateVersion7(r.StartedAt), r.StartedAt, r.Status, r.Failure)).ToList();
        foreach (var run in runs)
        {
            // The latest row points at its result, which holds the phases.
            await dataSource.ExecuteAsync(
                "INSERT INTO results (id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message, " +
                "phases, measurements, problems, findings, node) " +
                "VALUES (@id, @check, @startedAt, 42.5, @status, CASE WHEN @status = 'down' THEN 'tcp' END, CASE WHEN @status = 'down' THEN 'tcp_refused' END, " +
                "@failure, '{\"resolve\": 1.5, \"connect\": 0.25}', '{}', '[]', '[]', 'node-2');" +
                "INSERT INTO check_latest (check_id, result_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message, node) " +
                "SELECT check_id, id, started_at, duration_ms, status, failure_layer, failure_category, failure_message, node FROM results WHERE id = @id",
                new { check = run.Check, id = run.Id, startedAt = run.StartedAt.UtcDateTime, status = run.Status, failure = run.Failure });
        }

        var latest = await HistoryRows.History(dataSource, HistoryRows.Clock(Now)).GetLatestAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["api", "never-ran", "paused", "web"], latest.Select(c => c.Check));
        Assert.Null(latest[1].Latest);
        Assert.Equal(("The paused", false, "degraded"), (latest[2].Name, latest[2].Enabled, latest[2].Latest!.Status));
        var down = latest[3];
        Assert.Equal(("http", "https://web.example/", true), (down.Type, down.Target, down.Enabled));
        Assert.Equal(
            (runs[0].Id, Now.AddSeconds(-30), "down", 42.5, "tcp", "tcp_refused", "connection refused", "node-2"),
            (down.Latest!.Id, down.Latest.StartedAt, down.Latest.Status, down.Latest.DurationMs, down.Latest.FailureLayer, down.Latest.FailureCategory, down.Latest.FailureMessage, down.Latest.Node));
        Assert.Equal(new Dictionary<string, double> { ["resolve"] = 1.5, ["connect"] = 0.25 }, down.Latest.PhasesMs);
        Assert.Null(latest[0].Latest!.FailureMessage);
        Assert.Contains(
            "{\"check\":\"never-ran\",\"name\":\"The never-ran\",\"type\":\"http\",\"target\":\"https://never-ran.example/\",\"enabled\":true,\"latest\":null," +
            "\"labels\":{},\"statusSince\":null,\"lastFailure\":null,\"certificateExpiresAt\":null}",
            JsonSerializer.Serialize(latest, ApiJsonContext.Default.IReadOnlyListCheckLatest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetUptimeAsync_UnknownRunsLeftOutAndDegradedCountedAsUp()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var hour = Now.AddDays(-1).AddHours(-4);
        string[] statuses = ["up", "up", "up", "up", "up", "up", "degraded", "degraded", "down", "unknown", "unknown", "unknown"];
        await HistoryRows.InsertAsync(dataSource, statuses.Select((status, i) => new RawRow("u", hour.AddMinutes(5 * i), status, 1, "{}", hour.AddMinutes(5 * i))));
        await HistoryRows.InsertAsync(dataSource, [new RawRow("v", hour, "unknown", 1, "{}", hour)]);
        await HistoryRows.Maintenance(dataSource, HistoryRows.Clock(Now)).RunOnceAsync(TestContext.Current.CancellationToken);
        var history = HistoryRows.History(dataSource, HistoryRows.Clock(Now));

        var uptime = await history.GetUptimeAsync("u", hour, hour.AddHours(1), TestContext.Current.CancellationToken);
        var unknownOnly = await history.GetUptimeAsync("v", hour, hour.AddHours(1), TestContext.Current.CancellationToken);

        Assert.Equal(new CheckUptime("u", hour, hour.AddHours(1), 12, 6, 2, 1, 3, 8.0 / 9), uptime);
        Assert.Equal((1L, 1L, null), (unknownOnly.Runs, unknownOnly.Unknown, unknownOnly.Ratio));
    }

    [Fact]
    public async Task GetUptimeAsync_ManyChecksInOneQuery_EachAsCountedAlone()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await HistoryRows.InsertAsync(dataSource, HistoryRows.Runs(Now.AddDays(-2), TimeSpan.FromDays(2)));
        await HistoryRows.Maintenance(dataSource, HistoryRows.Clock(Now)).RunOnceAsync(TestContext.Current.CancellationToken);
        var history = HistoryRows.History(dataSource, HistoryRows.Clock(Now));
        var (from, to) = (Now.AddHours(-30).AddMinutes(-7.5), Now);

        var together = await history.GetUptimeAsync(["ping", "web", "none", "db"], from, to, TestContext.Current.CancellationToken);

        Assert.Equal(["ping", "web", "none", "db"], together.Select(u => u.Check));
        foreach (var uptime in together)
        {
            Assert.Equal(await history.GetUptimeAsync(uptime.Check, from, to, TestContext.Current.CancellationToken), uptime);
        }

        Assert.Equal((0L, null), (together[2].Runs, together[2].Ratio));
        Assert.True(together[0].Runs > 10_000);
    }

    /// <summary>Ranges with ends on and off minute and hour boundaries, across days, inside one minute, and past the rollups.</summary>
    public static TheoryData<double, double, bool> Ranges()
    {
        (double From, double To)[] ranges =
        [
            (-72 * 60, 0),
            ((-51 * 60) - 17.22, (-5 * 60) - 2.83),
            ((-24 * 60) + (10 / 60.0), (-24 * 60) + (50 / 60.0)),
            ((-20 * 60) + 5, (-20 * 60) + 55),
            (-70 * 60, 60),
            (-30, 0),
            (-14.5, 0),
            (-9 * 24 * 60, -8 * 24 * 60),
        ];
        var data = new TheoryData<double, double, bool>();
        foreach (var (from, to) in ranges)
        {
            data.Add(from, to, false);
            data.Add(from, to, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task GetUptimeAsync_AnyRange_CountsExactlyTheRawRunsInIt(double fromMinutes, double toMinutes, bool hoursBehind)
    {
        await using var dataSource = await ThreeDaysAsync();
        if (hoursBehind)
        {
            // Hour rollups complete only up to five hours ago, as while a round is still computing them.
            await dataSource.ExecuteAsync(
                "DELETE FROM rollups_hour WHERE bucket >= @since; UPDATE rollup_progress SET hours_before = @since",
                new { since = Now.AddHours(-5).UtcDateTime });
        }

        // Arrived after the round: not rolled up.
        await HistoryRows.InsertAsync(dataSource, [new RawRow("h", Now.AddSeconds(-10), "down", 9.5, "{}", Now.AddSeconds(5))]);
        var (from, to) = (Now.AddMinutes(fromMinutes), Now.AddMinutes(toMinutes));

        var uptime = await HistoryRows.History(dataSource, HistoryRows.Clock(Now.AddSeconds(10)))
            .GetUptimeAsync("h", from, to, TestContext.Current.CancellationToken);

        var expected = (await dataSource.QueryListAsync<(long Runs, long Up, long Degraded, long Down, long Unknown)>(
            """
            SELECT count(*), count(*) FILTER (WHERE status = 'up'), count(*) FILTER (WHERE status = 'degraded'),
                   count(*) FILTER (WHERE status = 'down'), count(*) FILTER (WHERE status = 'unknown')
            FROM results WHERE check_id = 'h' AND started_at >= @from AND started_at < @to
            """,
            new { from = from.UtcDateTime, to = to.UtcDateTime })).Single();
        Assert.Equal(expected, (uptime.Runs, uptime.Up, uptime.Degraded, uptime.Down, uptime.Unknown));
        Assert.Equal(expected.Runs == expected.Unknown ? null : (double)(expected.Up + expected.Degraded) / (expected.Runs - expected.Unknown), uptime.Ratio);
    }

    /// <summary>
    /// Check "h": a run every 60 s (at 30 s past the minute) for the three days before <see cref="Now"/>, arriving 2 s
    /// after it started; every 10th down, every 10th (another) degraded, every 25th unknown. One maintenance round at
    /// <see cref="Now"/> rolls up all but the last.
    /// </summary>
    private async Task<NpgsqlDataSource> ThreeDaysAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var start = Now.AddDays(-3).AddSeconds(30);
        await HistoryRows.InsertAsync(dataSource, Enumerable.Range(0, 3 * 1440).Select(i =>
        {
            var status = (i % 10, i % 25) switch { (0, _) => "down", (1, _) => "degraded", (_, 2) => "unknown", _ => "up" };
            return new RawRow("h", start.AddMinutes(i), status, 10 + ((i % 37) / 8.0), $$"""{"resolve": {{(i % 5) / 4.0}}}""", start.AddMinutes(i).AddSeconds(2));
        }));
        await HistoryRows.Maintenance(dataSource, HistoryRows.Clock(Now)).RunOnceAsync(TestContext.Current.CancellationToken);
        return dataSource;
    }

    private sealed record HourRow(DateTime Bucket, long Runs, long Up, long Degraded, long Down, long Unknown, double Min, double Max, double P95);
}
