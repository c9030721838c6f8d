using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Worker.Results;
using Sentinel.Worker.Scheduling;
using Sentinel.Worker.Storage;
using Sentinel.Worker.Tests.Metrics;
using Xunit;

namespace Sentinel.Worker.Tests.Results;

/// <summary>
/// The metrics view follows the checks table by itself: on a node that schedules nothing (<c>--role api</c>), a check
/// removed from the table or disabled leaves <c>/metrics</c> at the change signal.
/// </summary>
[Collection(DaemonHostTests.Name)]
public sealed class LatestResultsSyncTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ApiNode_CheckRemovedOrDisabled_ItsSeriesGoAtTheChangeSignal()
    {
        await using var host = await SentinelTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Node:Role"] = "api" });
        Assert.Null(host.Services.GetService<ISchedulerFactory>());
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s is CheckScheduler);
        await Eventually.WaitAsync(async () => (await host.Http.GetAsync("/readyz")).IsSuccessStatusCode, Bound, "/readyz to answer 200");
        var store = host.Services.GetRequiredService<CheckStore>();
        var changes = host.Services.GetRequiredService<CheckChanges>();
        var pipeline = host.Services.GetRequiredService<ResultPipeline>();
        await store.SyncFileChecksAsync([Document(Tcp("keep"), Tcp("gone"), Tcp("paused"))], TestContext.Current.CancellationToken);
        changes.Notify();
        foreach (var id in new[] { "keep", "gone", "paused" })
        {
            var check = CheckParser.Parse(Tcp(id), "test", ProbeCatalog.Default.Checks).Checks[0].Definition;
            await pipeline.PublishAsync(check, new ProbeResultBuilder(check).Build(), TestContext.Current.CancellationToken);
        }

        await Eventually.WaitAsync(async () =>
        {
            var metrics = await host.MetricsAsync();
            return new[] { "keep", "gone", "paused" }.All(id => MetricsTests.Value(metrics, "probe_success", id) is not null);
        }, Bound, "series of the three checks");

        await store.SyncFileChecksAsync([Document(Tcp("keep"), Tcp("paused", enabled: false))], TestContext.Current.CancellationToken);
        changes.Notify();

        await Eventually.WaitAsync(async () =>
        {
            var metrics = await host.MetricsAsync();
            return !metrics.Contains("job=\"gone\"", StringComparison.Ordinal) && !metrics.Contains("job=\"paused\"", StringComparison.Ordinal);
        }, Bound, "every series of the removed and the disabled check to disappear");
        Assert.NotNull(MetricsTests.Value(await host.MetricsAsync(), "probe_success", "keep"));
    }

    private static string Tcp(string id, bool enabled = true) =>
        $$"""{ "id": "{{id}}", "type": "tcp", "target": "127.0.0.1:9", "enabled": {{(enabled ? "true" : "false")}} }""";

    private static CheckDocument Document(params string[] checks)
    {
        var document = CheckParser.Parse("[" + string.Join(",", checks) + "]", "checks.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document;
    }
}
