using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Api.Tests;

/// <summary>
/// Tests that start an <see cref="ApiTestHost"/> run one at a time: OpenTelemetry listens to meters by name
/// process-wide, so two daemons in one process would see each other's instruments.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ApiHostTests
{
    public const string Name = "api host";
}

/// <summary>
/// The whole daemon, composed as <c>sentinel run</c> composes it, serving the API on a free loopback port over a fresh
/// database of the test cluster, with an empty checks folder unless the test writes one. Logs are collected.
/// </summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private readonly TempDirectory _spill;

    private ApiTestHost(WebApplication app, TempDirectory checks, TempDirectory spill, string connectionString, string baseUrl, LogSink logs)
    {
        _app = app;
        _spill = spill;
        Checks = checks;
        BaseUrl = baseUrl;
        Logs = logs;
        Database = NpgsqlDataSource.Create(connectionString);
    }

    public TempDirectory Checks { get; }

    public string BaseUrl { get; }

    public LogSink Logs { get; }

    public NpgsqlDataSource Database { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ApiTestHost> StartAsync(
        PostgresCluster postgres, Action<TempDirectory>? writeChecks = null, IDictionary<string, string?>? settings = null, string scheme = "http")
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var checks = new TempDirectory("sentinel-api-checks");

        // Its own spill directory, so that a host may start while another (a class fixture's) runs.
        var spill = new TempDirectory("sentinel-api-spill");
        writeChecks?.Invoke(checks);
        var baseUrl = $"{scheme}://127.0.0.1:{TcpPorts.Free()}";
        var values = new Dictionary<string, string?>
        {
            ["Sentinel:Database"] = connectionString,
            ["Sentinel:Checks:Directory"] = checks.Path,
            ["Sentinel:Checks:Debounce"] = "00:00:00.100",
            ["Sentinel:Http:Listen"] = baseUrl,
            ["Sentinel:Node:Name"] = "api-test-node",
            ["Sentinel:Results:SpillDirectory"] = spill.Path,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var logs = new LogSink();
        var app = SentinelHost.Build(SentinelConfiguration.Build(null, values), builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync();
        var host = new ApiTestHost(app, checks, spill, connectionString, baseUrl, logs);
        await app.Services.GetRequiredService<DatabaseState>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return host;
    }

    /// <summary>A new key of <paramref name="scope"/>, created as <c>sentinel apikey create</c> does.</summary>
    public async Task<string> CreateKeyAsync(string name, string scope) =>
        await new ApiKeyStore(Database).CreateAsync(name, scope, CancellationToken.None) ?? throw new InvalidOperationException($"key {name} exists");

    /// <summary>A client of the API that sends <paramref name="key"/> as a bearer token, when given.</summary>
    public HttpClient Client(string? key = null, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = new Uri(BaseUrl);
        client.Timeout = TimeSpan.FromSeconds(30);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// A digest of everything the API may write (checks, their history, keys), to show that a refused request changed
    /// nothing.
    /// </summary>
    public Task<string> SnapshotAsync() => Database.QueryValueAsync<string>(
        """
        SELECT md5(
            coalesce((SELECT string_agg(format('%s|%s|%s|%s|%s', id, definition, version, paused, updated_at), ';' ORDER BY id) FROM checks), '') ||
            coalesce((SELECT string_agg(format('%s|%s|%s', id, action, after), ';' ORDER BY id) FROM check_changes), '') ||
            coalesce((SELECT string_agg(format('%s|%s', name, revoked_at), ';' ORDER BY name) FROM api_keys), ''))
        """);

    /// <summary>
    /// Storage maintenance rounds now, as the daemon runs them on its own, until <paramref name="done"/>: a round rolls
    /// up the rows stored before its watermark (<c>Sentinel:Storage:RollupMargin</c> behind the present), and history over
    /// settled minutes and hours is read from the rollups.
    /// </summary>
    public async Task RollUpUntilAsync(Func<Task<bool>> done)
    {
        var maintenance = _app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<StorageMaintenance>().Single();
        await Eventually.WaitAsync(async () => await maintenance.RunOnceAsync(CancellationToken.None) is not null && await done(), TimeSpan.FromSeconds(20),
            "maintenance rounds to roll the stored rows up");
    }

    public static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
        Checks.Dispose();
        _spill.Dispose();
    }
}
