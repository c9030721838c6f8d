using System.Globalization;
using Dapper;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// Maintenance rounds on a real PostgreSQL with a fake clock that is moved forward day by day: partitions made ahead,
/// partitions and undated rows dropped past retention, and two nodes sharing the work through the advisory lock.
/// </summary>
public sealed class StorageMaintenanceTests(PostgresCluster postgres)
{
    private static readonly DateTimeOffset Start = new(2026, 1, 10, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunOnceAsync_DaysPass_PartitionsAheadExistAndThosePastRetentionAreGone()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var clock = HistoryRows.Clock(Start);

        // Short hour retention, so that months go within the test; as configured, it may not be below the raw one.
        var options = new StorageOptions { Retention = TimeSpan.FromDays(30), MinuteRollupRetention = TimeSpan.FromDays(7), HourRollupRetention = TimeSpan.FromDays(35) };
        var maintenance = HistoryRows.Maintenance(dataSource, clock, options);
        await HistoryRows.InsertAsync(dataSource, [new RawRow("c", Start, "up", 1, "{}", Start.AddMinutes(-5))]);

        for (var day = 0; day <= 75; day++)
        {
            clock.Advance(day == 0 ? TimeSpan.Zero : TimeSpan.FromDays(1));
            Assert.NotNull(await maintenance.RunOnceAsync(TestContext.Current.CancellationToken));
        }

        // The last round ran at 2026-03-26 09:30.
        var now = clock.GetUtcNow();
        Assert.Equal(Days("results", new DateOnly(2026, 2, 24), new DateOnly(2026, 3, 29)), await PartitionsAsync(dataSource, "results"));
        Assert.Equal(Days("rollups_minute", new DateOnly(2026, 3, 19), new DateOnly(2026, 3, 29)), await PartitionsAsync(dataSource, "rollups_minute"));
        Assert.Equal(["rollups_hour_202602", "rollups_hour_202603", "rollups_hour_202604"], await PartitionsAsync(dataSource, "rollups_hour"));
        Assert.Equal(0, await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'c'"));
        Assert.Equal(now.AddMinutes(-1), (await maintenance.RunOnceAsync(TestContext.Current.CancellationToken))!.Rollup.From);
    }

    [Fact]
    public async Task RunOnceAsync_UndatedRowsThatArrivedBeforeTheRetention_AreDeleted()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var now = Start;
        foreach (var (check, startedAt, ingestedAt) in new[] { ("old", "-infinity", now.AddDays(-31)), ("recent", "infinity", now.AddDays(-29)) })
        {
            await dataSource.ExecuteAsync(
                "INSERT INTO results (check_id, started_at, duration_ms, status, phases, measurements, problems, findings, node, ingested_at) " +
                "VALUES (@check, @startedAt::timestamptz, 1, 'up', '{}', '{}', '[]', '[]', 'n', @ingestedAt)",
                new { check, startedAt, ingestedAt = ingestedAt.UtcDateTime });
        }

        var round = await HistoryRows.Maintenance(dataSource, HistoryRows.Clock(now)).RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, round!.UndatedDeleted);
        Assert.Equal(["recent"], await dataSource.QueryListAsync<string>("SELECT check_id FROM results_undated"));
    }

    [Fact]
    public async Task RunOnceAsync_TwoNodesAtOnce_OneWorksAndTheOtherSkips()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var otherNode = NpgsqlDataSource.Create(connectionString);
        var first = HistoryRows.Maintenance(dataSource, HistoryRows.Clock(Start));
        var second = HistoryRows.Maintenance(otherNode, HistoryRows.Clock(Start));

        // Keep the first node's round busy while it holds the maintenance lock: its rollup waits for this table.
        await using var blocker = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var transaction = await blocker.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await blocker.ExecuteAsync("LOCK TABLE rollup_progress IN ACCESS EXCLUSIVE MODE", transaction: transaction);
        var working = first.RunOnceAsync(TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(
            async () => await dataSource.QueryValueAsync<long>(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid::bigint = @key AND objsubid = 1",
                new { key = StorageMaintenance.LockKey }) == 1,
            TimeSpan.FromSeconds(10), "the first node to hold the maintenance lock");

        var skipped = await second.RunOnceAsync(TestContext.Current.CancellationToken);
        await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        var worked = await working;

        Assert.Null(skipped);
        Assert.NotNull(worked);
        Assert.Contains("results_20260110", worked.Created);
        Assert.NotNull(await second.RunOnceAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunOnceAsync_TwoNodesRoundAfterRoundAtOnce_DoEachPieceOfWorkOnce()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var otherNode = NpgsqlDataSource.Create(connectionString);
        await HistoryRows.InsertAsync(dataSource, HistoryRows.Runs(Start.AddHours(-3), TimeSpan.FromMinutes(170)));
        var clock = HistoryRows.Clock(Start);
        var nodes = new[] { HistoryRows.Maintenance(dataSource, clock), HistoryRows.Maintenance(otherNode, clock) };

        // Both nodes start together and keep going, the clock a day further at each of the first node's rounds, so
        // that each round has partitions to make and, at first, rows to roll up.
        var rounds = await Task.WhenAll(nodes.Select(async (node, n) =>
        {
            var done = new List<MaintenanceRound?>();
            for (var i = 0; i < 8; i++)
            {
                if (n == 0 && i > 0)
                {
                    clock.Advance(TimeSpan.FromDays(1));
                }

                done.Add(await node.RunOnceAsync(TestContext.Current.CancellationToken));
            }

            return done;
        }));

        var worked = rounds.SelectMany(r => r).OfType<MaintenanceRound>().ToList();
        var created = worked.SelectMany(r => r.Created).ToList();
        Assert.Equal(created.Distinct().Count(), created.Count);
        Assert.Contains("results_20260117", created);
        var rolled = worked.Select(r => r.Rollup).Where(r => r.To > r.From).OrderBy(r => r.From).ToList();
        Assert.All(rolled.Zip(rolled.Skip(1)), pair => Assert.True(pair.First.To <= pair.Second.From, "two rounds rolled up the same arrivals"));
        Assert.Equal(
            await dataSource.QueryValueAsync<long>("SELECT count(DISTINCT (check_id, date_trunc('minute', started_at, 'UTC'))) FROM results"),
            worked.Sum(r => r.Rollup.Minutes));
        await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "minute", Start.AddDays(-7));
        await HistoryRows.AssertRollupsEqualRawAsync(dataSource, "hour", Start.AddDays(-7));
    }

    [Fact]
    public async Task ExecuteAsync_Started_RunsARoundAtOnceAndEveryInterval()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var clock = HistoryRows.Clock(Start);
        var maintenance = HistoryRows.Maintenance(dataSource, clock);

        await maintenance.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await Eventually.WaitAsync(async () => await ExistsAsync(dataSource, "results_20260113"), TimeSpan.FromSeconds(10), "today's and 3 days' partitions");
            Assert.False(await ExistsAsync(dataSource, "results_20260114"));
            clock.Advance(TimeSpan.FromDays(1));
            await Eventually.WaitAsync(async () => await ExistsAsync(dataSource, "results_20260114"), TimeSpan.FromSeconds(10), "the next day's round");
        }
        finally
        {
            await maintenance.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task<bool> ExistsAsync(NpgsqlDataSource dataSource, string table) =>
        await dataSource.QueryValueAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table });

    /// <summary>The partitions of <paramref name="parent"/> that the test's clock made (not those migration 0004 made for the real today).</summary>
    private static async Task<IReadOnlyList<string>> PartitionsAsync(NpgsqlDataSource dataSource, string parent) =>
        (await dataSource.QueryListAsync<string>(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = @parent::regclass AND c.relname COLLATE \"C\" < @before ORDER BY c.relname COLLATE \"C\"",
            new { parent, before = $"{parent}_202606" })).ToList();

    private static List<string> Days(string parent, DateOnly first, DateOnly last) =>
        Enumerable.Range(0, last.DayNumber - first.DayNumber + 1)
            .Select(d => $"{parent}_{first.AddDays(d).ToString("yyyyMMdd", CultureInfo.InvariantCulture)}")
            .ToList();
}
