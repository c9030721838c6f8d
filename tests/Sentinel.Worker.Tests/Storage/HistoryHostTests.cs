using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sentinel.Api.Endpoints;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// History in the composed daemon: a node that runs probes runs the maintenance rounds, every node answers history
/// queries from the same tables.
/// </summary>
[Collection(DaemonHostTests.Name)]
public sealed class HistoryHostTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Daemon_Started_RunsAMaintenanceRoundAndAnswersItsChecksLatestState()
    {
        // The migration makes today's partition and the next two days'; the third day ahead is maintenance's.
        var ahead = "results_" + TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(3).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        await using var host = await SentinelTestHost.StartAsync(postgres, checks => checks.Write("refused.json",
            """{ "id": "refused", "type": "tcp", "target": "127.0.0.1:9", "interval": "1s", "timeout": "500ms" }"""));

        await Eventually.WaitAsync(
            async () => await host.Database.QueryValueAsync<bool>(
                "SELECT to_regclass(@ahead) IS NOT NULL AND (SELECT rolled_at IS NOT NULL FROM rollup_progress)", new { ahead }),
            Bound, $"a maintenance round to make {ahead} and roll up");
        var history = host.Services.GetRequiredService<IResultHistory>();
        await Eventually.WaitAsync(
            async () => await history.GetLatestAsync(TestContext.Current.CancellationToken) is [{ Check: "refused", Enabled: true, Latest.Status: "down" }],
            Bound, "the check's latest run, down, from check_latest");
    }

    [Fact]
    public async Task ApiNode_Started_AnswersHistoryAndLeavesMaintenanceToTheWorkers()
    {
        await using var host = await SentinelTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Node:Role"] = "api" });

        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s is StorageMaintenance);
        await Eventually.WaitAsync(async () => (await host.Http.GetAsync("/readyz")).IsSuccessStatusCode, Bound, "/readyz to answer 200");
        var history = host.Services.GetRequiredService<IResultHistory>();
        Assert.Empty(await history.GetLatestAsync(TestContext.Current.CancellationToken));
        var uptime = await history.GetUptimeAsync("none", TimeProvider.System.GetUtcNow().AddDays(-30), TimeProvider.System.GetUtcNow(), TestContext.Current.CancellationToken);
        Assert.Equal((0L, (double?)null), (uptime.Runs, uptime.Ratio));
    }
}
