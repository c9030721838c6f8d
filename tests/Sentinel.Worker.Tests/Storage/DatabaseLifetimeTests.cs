using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>The daemon's host owns the embedded cluster: it starts with the host and stops after the last results are written.</summary>
[Collection(DaemonHostTests.Name)]
public sealed class DatabaseLifetimeTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Host_NoDatabaseConfigured_StartsTheEmbeddedClusterAndStopsItAfterWritingTheQueuedResults()
    {
        using var directory = new TempDirectory("sentinel-pg");
        var data = Path.Combine(directory.Path, "data");
        var pid = Path.Combine(data, "postmaster.pid");
        await using var host = await SentinelTestHost.StartAsync(postgres, embeddedDataDirectory: data);

        Assert.True(File.Exists(pid), "the host started without its database");
        await Eventually.WaitAsync(async () => (await host.Http.GetAsync("/readyz")).IsSuccessStatusCode, Bound, "/readyz to answer 200");
        var check = new CheckDefinition { Id = "last", Name = "last", Type = "tcp", Target = "127.0.0.1:9" };
        var pipeline = host.Services.GetRequiredService<ResultPipeline>();

        // Within the last hour: the daemon does not store results older than its retention (30 days).
        var first = TimeProvider.System.GetUtcNow().AddHours(-1);
        for (var i = 0; i < 2_000; i++)
        {
            await pipeline.PublishAsync(check, new ProbeResultBuilder(check).Build() with { StartedAt = first.AddSeconds(i) }, TestContext.Current.CancellationToken);
        }

        await host.StopAsync();

        Assert.False(File.Exists(pid), "the embedded cluster outlived the host");
        var messages = host.Logs.Lines.Select(l => l.Message).ToList();
        Assert.Contains(messages, m => m.StartsWith("Stopped the embedded PostgreSQL in ", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("results not written", StringComparison.Ordinal));
        await using var again = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = data, Durable = false }, NullLogger.Instance, TestContext.Current.CancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(again.ConnectionString);
        Assert.Equal(2_000, await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'last'"));
    }
}
