using System.Text.Json;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>Each enabled check's latest stored result, read back as a result: what a restarted node's /metrics starts from.</summary>
public sealed class CheckLatestStoreTests(PostgresCluster postgres)
{
    [Fact]
    public async Task ListAsync_StoredResult_ComesBackWithItsStatusPhasesMeasurementsProblemsFindingsAndSamples()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var check = (await StoreChecksAsync(dataSource,
            """{ "id": "rich", "type": "tcp", "target": "127.0.0.1:9", "interval": "1m" }""",
            """{ "id": "paused", "type": "tcp", "target": "127.0.0.1:9", "enabled": false }"""))[0];
        var builder = new ProbeResultBuilder(check);
        builder.Phase("resolve", TimeSpan.FromMilliseconds(0.25));
        builder.Phase("connect", TimeSpan.FromMilliseconds(1.5));
        builder.Measure("tcp.duration.connect_ms", 1.5);
        builder.Measure("http.version", MeasurementValue.Of(1.0, "1.0"));
        builder.Measure("tls.version", "TLS 1.3");
        builder.Measure("dns.answers", MeasurementValue.Of(["a. A 192.0.2.1", "a. A 192.0.2.2"]));
        builder.Warn("assertion", "assertion_failed", "tcp.duration.connect_ms was 1.5, expected at most 1", "look");
        builder.Finding(new Finding("hsts.missing", FindingSeverity.Critical, "no HSTS", "add it", [KeyValuePair.Create("request", "GET /")]));
        builder.Sample(ProbeCatalog.Default.Metrics.Single(m => m.Name == "probe_ip_protocol"), 4);
        builder.Sample(new MetricDescriptor("probe_gone_from_the_catalog", "A series no probe declares any more."), 1);
        var startedAt = new DateTimeOffset(2026, 12, 7, 10, 0, 0, 123, TimeSpan.Zero);
        var result = builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt, Duration = TimeSpan.FromMilliseconds(2.5) };
        await using (var harness = new WriterHarness(dataSource))
        {
            harness.Database.MarkReady();
            await harness.Writer.StartAsync(TestContext.Current.CancellationToken);
            await harness.Pipeline.PublishAsync(check, result, TestContext.Current.CancellationToken);
            var paused = new CheckDefinition { Id = "paused", Name = "paused", Type = "tcp", Target = "127.0.0.1:9" };
            await harness.Pipeline.PublishAsync(paused, new ProbeResultBuilder(paused).Build(), TestContext.Current.CancellationToken);
            await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM check_latest") == 2,
                TimeSpan.FromSeconds(20), "both latest rows");
        }

        var latest = Assert.Single(await new CheckLatestStore(dataSource, ProbeCatalog.Default).ListAsync(TestContext.Current.CancellationToken));

        Assert.Equal(("rich", "tcp", "127.0.0.1:9", "node-1"), (latest.Check.Id, latest.Check.Type, latest.Check.Target, latest.Node));
        var restored = latest.Result;
        Assert.Equal((result.Id, result.StartedAt, result.Duration, ProbeStatus.Degraded), (restored.Id, restored.StartedAt, restored.Duration, restored.Status));
        Assert.Equal(result.Phases.OrderBy(p => p.Name, StringComparer.Ordinal), restored.Phases.OrderBy(p => p.Name, StringComparer.Ordinal));
        Assert.Equal(Texts(result.Measurements), Texts(restored.Measurements));
        Assert.Equal("1.0", restored.Measurements["http.version"].NumberText);
        Assert.Equal(result.Problems, restored.Problems);
        Assert.Equal(ProbeResultJson.Findings(result), ProbeResultJson.Findings(restored));
        var sample = Assert.Single(restored.Samples);
        Assert.Same(ProbeCatalog.Default.Metrics.Single(m => m.Name == "probe_ip_protocol"), sample.Metric);
        Assert.Equal(4, sample.Value);
        Assert.Null(restored.Details);
    }

    [Fact]
    public async Task ListAsync_StoredDetails_AreKeptAsTheirJson()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await StoreChecksAsync(dataSource, """{ "id": "details", "type": "tcp", "target": "127.0.0.1:9" }""");
        await dataSource.ExecuteAsync("""
            INSERT INTO results (id, check_id, started_at, duration_ms, status, phases, measurements, problems, findings, details, node)
            VALUES ('0193a000-0000-7000-8000-000000000001', 'details', '2026-12-01T00:00:00Z', 1, 'up', '{"connect": 1}', '{"x": 1e400}', '[{"layer": 1}]', '[7]', '{"remote": "127.0.0.1:9"}', 'n');
            INSERT INTO check_latest (check_id, result_id, started_at, duration_ms, status, samples, node)
            VALUES ('details', '0193a000-0000-7000-8000-000000000001', '2026-12-01T00:00:00Z', 1, 'up', '{"not": "an array"}', 'n')
            """);

        var latest = await new CheckLatestStore(dataSource, ProbeCatalog.Default).ListAsync(TestContext.Current.CancellationToken);

        // Hand-written shapes no Sentinel stores: what cannot be read is left out, never the whole check.
        var result = Assert.Single(latest).Result;
        using var details = JsonDocument.Parse(ProbeResultJson.Details(result)!);
        Assert.Equal("127.0.0.1:9", details.RootElement.GetProperty("remote").GetString());
        Assert.Empty(result.Samples);
        Assert.Empty(result.Findings);
        Assert.Equal(ProbeStatus.Down, result.Status);
    }

    [Fact]
    public async Task ListAsync_LatestResultGoneWithItsPartition_KeepsItsStatusWithoutItsPhases()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await StoreChecksAsync(dataSource,
            """{ "id": "down", "type": "tcp", "target": "127.0.0.1:9" }""",
            """{ "id": "degraded", "type": "tcp", "target": "127.0.0.1:9" }""",
            """{ "id": "unknown", "type": "tcp", "target": "127.0.0.1:9" }""",
            """{ "id": "up", "type": "tcp", "target": "127.0.0.1:9" }""");

        // Latest rows whose results are past the raw retention: their day's partition was dropped.
        await dataSource.ExecuteAsync("""
            INSERT INTO check_latest (check_id, result_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message, samples, node)
            VALUES ('down', gen_random_uuid(), '2026-01-01T00:00:00Z', 3, 'down', 'tcp', 'tcp_refused', '127.0.0.1:9 refused the connection', '[]', 'n'),
                   ('degraded', gen_random_uuid(), '2026-01-01T00:00:00Z', 3, 'degraded', NULL, NULL, NULL, '[]', 'n'),
                   ('unknown', gen_random_uuid(), '2026-01-01T00:00:00Z', 3, 'unknown', 'probe', 'probe_error', 'no sockets left', '[]', 'n'),
                   ('up', gen_random_uuid(), '2026-01-01T00:00:00Z', 3, 'up', NULL, NULL, NULL, '[]', 'n')
            """);

        var latest = await new CheckLatestStore(dataSource, ProbeCatalog.Default).ListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(
            [("degraded", ProbeStatus.Degraded), ("down", ProbeStatus.Down), ("unknown", ProbeStatus.Unknown), ("up", ProbeStatus.Up)],
            latest.Select(l => (l.Check.Id, l.Result.Status)));
        Assert.All(latest, l => Assert.Empty(l.Result.Phases));
        Assert.All(latest, l => Assert.Empty(l.Result.Measurements));
        var down = latest.Single(l => l.Check.Id == "down").Result;
        Assert.Equal(("tcp", "tcp_refused", "127.0.0.1:9 refused the connection"), (down.Failure!.Layer, down.Failure.Category, down.Failure.Message));
        Assert.Equal(TimeSpan.FromMilliseconds(3), down.Duration);
    }

    private static IEnumerable<(string Name, string Value)> Texts(IReadOnlyDictionary<string, MeasurementValue> measurements) =>
        measurements.Select(m => (m.Key, m.Value.ToString())).OrderBy(m => m.Key, StringComparer.Ordinal);

    private static async Task<IReadOnlyList<CheckDefinition>> StoreChecksAsync(NpgsqlDataSource dataSource, params string[] checks)
    {
        var documents = checks.Select((json, i) => CheckParser.Parse(json, $"test-{i}.json", ProbeCatalog.Default.Checks)).ToList();
        await new CheckStore(dataSource).SyncFileChecksAsync(documents, TestContext.Current.CancellationToken);
        return documents.Select(d => d.Checks[0].Definition).ToList();
    }
}
