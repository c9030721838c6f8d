using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
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
/// migrated-on-start database (or an embedded cluster the host owns), a temporary checks folder and a free port.
/// Logs are collected.
/// </summary>
internal sealed class SentinelTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private SentinelTestHost(WebApplication app, TempDirectory checks, TempDirectory spill, string connectionString, string baseUrl, LogSink logs)
    {
        _app = app;
        Checks = checks;
        Spill = spill;
        ConnectionString = connectionString;
        BaseUrl = baseUrl;
        Logs = logs;
        Database = NpgsqlDataSource.Create(connectionString);
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    public TempDirectory Checks { get; }

    /// <summary>
    /// The host's own spill directory (unless the test names one, or the host runs an embedded cluster, beside whose data
    /// the default puts it): a spill shared between tests would replay one test's results into another's database.
    /// </summary>
    public TempDirectory Spill { get; }

    public string ConnectionString { get; }

    public string BaseUrl { get; }

    public LogSink Logs { get; }

    public NpgsqlDataSource Database { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts the daemon over a fresh database of <paramref name="postgres"/>, or over <paramref name="connectionString"/>;
    /// with <paramref name="embeddedDataDirectory"/> instead, over an embedded cluster there that the host starts and stops.
    /// </summary>
    public static async Task<SentinelTestHost> StartAsync(
        PostgresCluster postgres,
        Action<TempDirectory>? writeChecks = null,
        IDictionary<string, string?>? settings = null,
        string? connectionString = null,
        string? embeddedDataDirectory = null)
    {
        var values = new Dictionary<string, string?>();
        if (embeddedDataDirectory is null)
        {
            connectionString ??= await postgres.CreateDatabaseAsync();
            values["Sentinel:Database"] = connectionString;
        }
        else
        {
            values["Sentinel:EmbeddedPostgres:DataDirectory"] = embeddedDataDirectory;
            values["Sentinel:EmbeddedPostgres:Durable"] = "false";
        }

        var checks = new TempDirectory("sentinel-checks");
        writeChecks?.Invoke(checks);
        var spill = new TempDirectory("sentinel-spill");
        if (embeddedDataDirectory is null)
        {
            values["Sentinel:Results:SpillDirectory"] = spill.Path;
        }

        var baseUrl = $"http://127.0.0.1:{TcpPorts.Free()}";
        values["Sentinel:Checks:Directory"] = checks.Path;
        values["Sentinel:Checks:Debounce"] = "00:00:00.100";
        values["Sentinel:Http:Listen"] = baseUrl;
        values["Sentinel:Node:Name"] = "test-node";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = SentinelConfiguration.Build(null, values);
        var logs = new LogSink();
        var app = SentinelHost.Build(configuration, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync();
        return new SentinelTestHost(app, checks, spill, app.Services.GetRequiredService<DatabaseConnection>().ConnectionString, baseUrl, logs);
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    /// <summary>Stops the host as SIGTERM would (once; disposing afterwards does not stop it again).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
        Http.Dispose();
        Checks.Dispose();
        Spill.Dispose();
    }
}
