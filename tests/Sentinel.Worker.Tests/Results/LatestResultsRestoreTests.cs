using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Testing;
using Sentinel.Worker.Scheduling;
using Sentinel.Worker.Storage;
using Sentinel.Worker.Tests.Checks;
using Sentinel.Worker.Tests.Metrics;
using Xunit;

namespace Sentinel.Worker.Tests.Results;

/// <summary>A restarted daemon's /metrics starts from each check's latest stored result, not from nothing.</summary>
[Collection(DaemonHostTests.Name)]
public sealed class LatestResultsRestoreTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Restart_CheckNotRunYet_MetricsShowItsLatestStoredResult()
    {
        // A check whose first run after the restart, on a 24 h interval, is hours away: only check_latest can fill its series.
        var id = Enumerable.Range(0, 1_000).Select(i => $"restored-{i}")
            .First(c => FireTimes.First(c, TimeSpan.FromHours(24), DateTimeOffset.UtcNow) > DateTimeOffset.UtcNow.AddHours(1));
        var target = $"127.0.0.1:{TcpPorts.Closed()}";
        string connectionString;
        string before;
        long rows;
        await using (var first = await SentinelTestHost.StartAsync(postgres, dir => dir.Write("check.json", CheckFileSyncTests.Tcp(id, target, "1s"))))
        {
            connectionString = first.ConnectionString;
            before = await Eventually.ValueAsync(async () =>
            {
                var text = await first.MetricsAsync();
                return MetricsTests.Value(text, "probe_ip_protocol", id) is not null
                    && await first.Database.QueryValueAsync<long>("SELECT count(*) FROM check_latest") == 1 ? text : null;
            }, Bound, "the check's series and its latest stored result");
            await first.StopAsync();
            rows = await first.Database.QueryValueAsync<long>("SELECT count(*) FROM results");
        }

        var startedAt = await QueryStartedAtAsync(connectionString);

        // The table says 24 h before the second node starts, as its file will: its scheduler and its file sync start
        // together, and a scheduler that read the table first would run the check at the old 1 s interval.
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString))
        {
            await new CheckStore(dataSource).SyncFileChecksAsync(
                [CheckParser.Parse(CheckFileSyncTests.Tcp(id, target, "24h"), "check.json", ProbeCatalog.Default.Checks)], TestContext.Current.CancellationToken);
        }

        await using var second = await SentinelTestHost.StartAsync(postgres, dir => dir.Write("check.json", CheckFileSyncTests.Tcp(id, target, "24h")),
            connectionString: connectionString);

        var after = await Eventually.ValueAsync(async () =>
        {
            var text = await second.MetricsAsync();
            return MetricsTests.Value(text, "probe_success", id) is not null ? text : null;
        }, Bound, "the check's series after the restart");
        Assert.Equal(0, MetricsTests.Value(after, "probe_success", id));
        Assert.Equal(startedAt.ToUnixTimeMilliseconds() / 1000.0, MetricsTests.Value(after, "sentinel_check_last_run_timestamp_seconds", id)!.Value, 3);
        Assert.Equal(MetricsTests.Value(before, "probe_ip_protocol", id), MetricsTests.Value(after, "probe_ip_protocol", id));
        Assert.Matches($"sentinel_check_status\\{{[^}}]*job=\"{id}\"[^}}]*status=\"down\"[^}}]*\\}} 1", after);
        Assert.Equal(rows, await second.Database.QueryValueAsync<long>("SELECT count(*) FROM results"));
    }

    private static async Task<DateTimeOffset> QueryStartedAtAsync(string connectionString)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        return new DateTimeOffset(DateTime.SpecifyKind(await dataSource.QueryValueAsync<DateTime>("SELECT started_at FROM check_latest"), DateTimeKind.Utc));
    }
}
