using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Hosting;
using Xunit;

namespace Sentinel.Worker.Tests;

/// <summary>
/// Tests that start a <see cref="SentinelTestHost"/>, or build the daemon through <c>sentinel run</c>, run one at
/// a time: OpenTelemetry listens to meters by name process-wide, so two hosts in one process see each other's
/// instruments, and one host disposing its meter ends the shared metric streams of the other (its observable
/// series vanish from /metrics).
/// </summary>
[CollectionDefinition(Name)]
public sealed class DaemonHostTests
{
    public const string Name = "daemon host";
}

/// <summary>
/// The whole daemon in this process, composed exactly as <c>sentinel run</c> composes it, over a fresh
/// migrated-on-start database, a temporary checks folder and a free port. Logs are collected.
/// </summary>
internal sealed class SentinelTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SentinelTestHost(WebApplication app, TempDirectory checks, string connectionString, string baseUrl, LogSink logs)
    {
        _app = app;
        Checks = checks;
        ConnectionString = connectionString;
        BaseUrl = baseUrl;
        Logs = logs;
        Database = NpgsqlDataSource.Create(connectionString);
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    public TempDirectory Checks { get; }

    public string ConnectionString { get; }

    public string BaseUrl { get; }

    public LogSink Logs { get; }

    public NpgsqlDataSource Database { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<SentinelTestHost> StartAsync(PostgresCluster postgres, Action<TempDirectory>? writeChecks = null, IDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        connectionString ??= await postgres.CreateDatabaseAsync();
        var checks = new TempDirectory("sentinel-checks");
        writeChecks?.Invoke(checks);
        var baseUrl = $"http://127.0.0.1:{TcpPorts.Free()}";
        var values = new Dictionary<string, string?>
        {
            ["Sentinel:Checks:Directory"] = checks.Path,
            ["Sentinel:Checks:Debounce"] = "00:00:00.100",
            ["Sentinel:Http:Listen"] = baseUrl,
            ["Sentinel:Node:Name"] = "test-node",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = SentinelConfiguration.Build(null, values);
        var logs = new LogSink();
        var app = SentinelHost.Build(configuration, connectionString, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync();
        return new SentinelTestHost(app, checks, connectionString, baseUrl, logs);
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
        Http.Dispose();
        Checks.Dispose();
    }
}
