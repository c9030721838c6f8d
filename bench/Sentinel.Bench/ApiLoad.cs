using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Bench;

/// <summary>
/// api-load: the API of an <c>api</c>-role node (no probes run) over a test PostgreSQL holding N checks: listing them all
/// in pages of 500, reading one, creating and deleting one (POST, then DELETE with its ETag), and how long a result
/// row takes from its INSERT's commit to its event on <c>/v1/events</c>. Prints p50 and p95 of each, in milliseconds.
/// </summary>
internal static class ApiLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var checks = Option(args, "--checks", 10_000);
        var rounds = Option(args, "--rounds", 200);
        var postgres = new PostgresCluster();
        await postgres.InitializeAsync();
        try
        {
            return await RunAsync(postgres, checks, rounds);
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    private static async Task<int> RunAsync(PostgresCluster postgres, int checks, int rounds)
    {
        var database = await postgres.CreateDatabaseAsync();
        using var folder = new TempDirectory("sentinel-bench-api");
        var url = $"http://127.0.0.1:{TcpPorts.Free()}";
        var configuration = SentinelConfiguration.Build(null, new Dictionary<string, string?>
        {
            ["Sentinel:Database"] = database,
            ["Sentinel:Checks:Directory"] = folder.Path,
            ["Sentinel:Http:Listen"] = url,
            ["Sentinel:Node:Role"] = "api",
            ["Sentinel:Api:RequestsPerMinute"] = "1000000",
            ["Sentinel:Api:Burst"] = "100000",
        });
        await using var app = SentinelHost.Build(configuration, builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        await app.Services.GetRequiredService<DatabaseState>().Ready;
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var key = await new ApiKeyStore(dataSource).CreateAsync("bench", "write", CancellationToken.None);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, labels, definition, origin)
                SELECT 'bench-' || lpad(n::text, 6, '0'), 'tcp', '127.0.0.1:9', 'bench', 60000, 10000, true,
                       jsonb_build_object('team', 't' || (n % 10)),
                       jsonb_build_object('id', 'bench-' || lpad(n::text, 6, '0'), 'type', 'tcp', 'target', '127.0.0.1:9', 'labels', jsonb_build_object('team', 't' || (n % 10))),
                       'api'
                FROM generate_series(1, @checks) AS n
                """, new { checks });
        }

        using var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var pages = new List<double>();
        var listed = 0;
        for (var round = 0; round < Math.Max(1, rounds / 20); round++)
        {
            string? cursor = null;
            listed = 0;
            do
            {
                var start = Stopwatch.GetTimestamp();
                using var page = await System.Text.Json.JsonDocument.ParseAsync(await client.GetStreamAsync("/v1/checks?limit=500" + (cursor is null ? "" : "&cursor=" + cursor)));
                pages.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                listed += page.RootElement.GetProperty("items").GetArrayLength();
                cursor = page.RootElement.GetProperty("nextCursor").GetString();
            }
            while (cursor is not null);
        }

        var reads = await TimeAsync(rounds, async i => (await client.GetAsync($"/v1/checks/bench-{(i % checks) + 1:D6}")).EnsureSuccessStatusCode());
        var filtered = await TimeAsync(rounds, async i => (await client.GetAsync($"/v1/checks?label=team:t{i % 10}&limit=100")).EnsureSuccessStatusCode());
        var writes = await TimeAsync(rounds, async i =>
        {
            var created = (await client.PostAsync("/v1/checks", new StringContent($$"""{"id":"new-{{i}}","type":"tcp","target":"127.0.0.1:9"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/v1/checks/new-{i}");
            delete.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);
            (await client.SendAsync(delete)).EnsureSuccessStatusCode();
        });

        var events = new List<double>();
        using (var stream = new StreamReader(await client.GetStreamAsync("/v1/events?check=bench-event")))
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            for (var i = 0; i < rounds; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await connection.ExecuteAsync(
                    """
                    INSERT INTO results (check_id, started_at, duration_ms, status, phases, measurements, problems, findings, node)
                    VALUES ('bench-event', now(), 1, 'up', '{}', '{}', '[]', '[]', 'bench')
                    """);
                while (await stream.ReadLineAsync() is { } line && !line.StartsWith("data:", StringComparison.Ordinal))
                {
                }

                events.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        await app.StopAsync();
        Console.WriteLine($"api-load: {checks} checks, {rounds} rounds, api-role node, test PostgreSQL on this machine");
        Console.WriteLine($"{"operation",-44} {"p50 ms",8} {"p95 ms",8}");
        Print($"list all {listed} in pages of 500 (per page)", pages);
        Print("get one check", reads);
        Print("list by label, limit 100", filtered);
        Print("create + delete (POST, DELETE If-Match)", writes);
        Print("result INSERT commit → SSE event", events);
        return 0;
    }

    private static async Task<List<double>> TimeAsync(int rounds, Func<int, Task> operation)
    {
        var samples = new List<double>(rounds);
        for (var i = 0; i < rounds; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await operation(i);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return samples;
    }

    private static void Print(string name, List<double> samples) =>
        Console.WriteLine($"{name,-44} {Stats.Median(samples),8:F2} {Stats.Percentile(samples, 0.95),8:F2}");

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
    }
}
