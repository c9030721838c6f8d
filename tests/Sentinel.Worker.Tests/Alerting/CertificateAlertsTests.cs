using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Alerting;

/// <summary>Certificate expiry alerts from real TLS handshakes with certificates the tests issue, over a real outbox.</summary>
public sealed class CertificateAlertsTests(PostgresCluster postgres) : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private readonly TempDirectory _directory = new("sentinel-cert-alerts");
    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create();
    private readonly FakeTimeProvider _time = new(Now);
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Fact]
    public async Task Evaluate_FiveDaysLeftOnTwoChecks_OneMessageForAllThresholdsThenEachLaterThresholdOnceThenRenewed()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database, "30,14,7,1");
        await using var expiring = TlsServer.Start(_ca.Issue(new CertificateSpec { NotBefore = Now.AddDays(-85), NotAfter = Now.AddDays(5).AddHours(1) }));
        var a = Check("api-a", expiring);
        var b = Check("api-b", expiring);

        await EvaluateAsync(evaluator, a);
        await EvaluateAsync(evaluator, b);
        await EvaluateAsync(evaluator, a);

        var first = Assert.Single(await OutboxAsync(database));
        Assert.Equal("[EXPIRING] www.sentinel.test in 5 days", first.Subject);
        Assert.Contains("the leaf certificate (CN=www.sentinel.test", first.TextBody, StringComparison.Ordinal);
        Assert.Contains("Thresholds crossed: 30 days, 14 days, 7 days, less than 0.33 of its lifetime left.", first.TextBody, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromDays(4) + TimeSpan.FromHours(2));
        await EvaluateAsync(evaluator, a);
        await EvaluateAsync(evaluator, b);

        var second = (await OutboxAsync(database))[1];
        Assert.Equal("[EXPIRING] www.sentinel.test in 1 day", second.Subject);
        Assert.Contains("Threshold crossed: 1 day.", second.TextBody, StringComparison.Ordinal);
        Assert.Contains("Served by 2 checks:\n  api-a\n  api-b\n", second.TextBody, StringComparison.Ordinal);

        await using var renewed = TlsServer.Start(_ca.Issue(new CertificateSpec { NotBefore = Now.AddDays(-1), NotAfter = Now.AddDays(90) }));
        await EvaluateAsync(evaluator, Check("api-a", renewed));
        Assert.Equal(2, (await OutboxAsync(database)).Count);
        await EvaluateAsync(evaluator, Check("api-b", renewed));

        var rows = await OutboxAsync(database);
        Assert.Equal(3, rows.Count);
        Assert.Equal("[RENEWED] www.sentinel.test", rows[2].Subject);
    }

    [Fact]
    public async Task Evaluate_ShortLivedCertificate_WarnsAtAFractionOfItsOwnLifetime()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database, "1");
        await using var server = TlsServer.Start(_ca.Issue(new CertificateSpec { NotBefore = Now.AddHours(-108), NotAfter = Now.AddHours(42) }));

        await EvaluateAsync(evaluator, Check("short", server));

        var row = Assert.Single(await OutboxAsync(database));
        Assert.Equal("[EXPIRING] www.sentinel.test in 2 days", row.Subject);
        Assert.Contains("Threshold crossed: less than 0.33 of its lifetime left.", row.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_IntermediateExpiresFirst_ItDecidesAndTheMessageSaysSo()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database, "30");
        using var shortIntermediate = _ca.WithIntermediate(notAfter: Now.AddDays(20).AddHours(1));
        await using var server = TlsServer.Start(shortIntermediate.Issue(new CertificateSpec { NotBefore = Now.AddDays(-10), NotAfter = Now.AddDays(300) }));

        await EvaluateAsync(evaluator, Check("chain", server));

        var row = Assert.Single(await OutboxAsync(database));
        Assert.Equal("[EXPIRING] www.sentinel.test in 20 days", row.Subject);
        Assert.Contains("the intermediate certificate (CN=Sentinel Test Second Intermediate CA", row.TextBody, StringComparison.Ordinal);
    }

    private async Task EvaluateAsync(AlertEvaluator evaluator, CheckDefinition check)
    {
        var result = await _runner.RunAsync(check, TestContext.Current.CancellationToken);
        Assert.True(result.Success, string.Join("; ", result.Problems.Select(p => p.Message)));
        await evaluator.EvaluateAsync(check, result with { StartedAt = _time.GetUtcNow() }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Serve_SameCertificateAgain_WritesOnlyOncePerRefreshAndAnotherOneStillRenews()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var store = new AlertStore(database);
        var cancel = TestContext.Current.CancellationToken;
        async Task<(string Fingerprint, DateTimeOffset SeenAt)> RowAsync(string check)
        {
            var (fingerprint, seenAt) = (await database.QueryListAsync<(string, DateTime)>(
                "SELECT fingerprint, seen_at FROM check_certificates WHERE check_id = @check", new { check }))[0];
            return (fingerprint, new DateTimeOffset(seenAt, TimeSpan.Zero));
        }

        Assert.Null(await store.ServeAsync("api-a", "old", Now, cancel));
        Assert.Null(await store.ServeAsync("api-b", "old", Now, cancel));

        // The same certificate within the refresh: nothing written, seen_at stays.
        Assert.Null(await store.ServeAsync("api-a", "old", Now.AddSeconds(30), cancel));
        Assert.Equal(("old", Now), await RowAsync("api-a"), RowComparer);

        // Past the refresh, seen_at moves on.
        var later = Now + AlertStore.BookkeepingRefresh + TimeSpan.FromSeconds(1);
        Assert.Null(await store.ServeAsync("api-a", "old", later, cancel));
        Assert.Equal(("old", later), await RowAsync("api-a"), RowComparer);

        // Another certificate is never skipped: renewed once no check serves the old one any more.
        Assert.Null(await store.ServeAsync("api-a", "new", later.AddSeconds(1), cancel));
        Assert.Equal(("new", later.AddSeconds(1)), await RowAsync("api-a"), RowComparer);
        Assert.Equal("old", await store.ServeAsync("api-b", "new", later.AddSeconds(2), cancel));
    }

    /// <summary>Timestamps as PostgreSQL keeps them, to the microsecond.</summary>
    private static readonly IEqualityComparer<(string Fingerprint, DateTimeOffset SeenAt)> RowComparer = EqualityComparer<(string Fingerprint, DateTimeOffset SeenAt)>.Create(
        (a, b) => a.Fingerprint == b.Fingerprint && Math.Abs((a.SeenAt - b.SeenAt).TotalMilliseconds) < 0.001,
        r => r.Fingerprint.GetHashCode(StringComparison.Ordinal));

    private CheckDefinition Check(string id, TlsServer server)
    {
        var caFile = Path.Combine(_directory.Path, "root.pem");
        File.WriteAllText(caFile, _ca.RootPem);
        var json = $$"""{ "id": "{{id}}", "type": "tls", "target": "{{server.Target}}", "tls": { "caFile": "{{caFile}}", "serverName": "www.sentinel.test", "expiryThreshold": "1h" } }""";
        var document = CheckParser.Parse(json, "t.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document.Checks[0].Definition;
    }

    private AlertEvaluator Evaluator(NpgsqlDataSource database, string days)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sentinel:Alerting:Channels:hook:Type"] = "webhook",
            ["Sentinel:Alerting:Channels:hook:Url"] = "http://127.0.0.1:9/",
            ["Sentinel:Alerting:Channels:hook:Secret"] = "0123456789abcdef",
            ["Sentinel:Alerting:Certificates:Notify:0"] = "hook",
        };
        foreach (var (day, i) in days.Split(',').Select((d, i) => (d, i)))
        {
            settings[$"Sentinel:Alerting:Certificates:Days:{i}"] = day;
        }

        var options = AlertingConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var state = new DatabaseState();
        state.MarkReady();
        return new AlertEvaluator(new AlertStore(database), new AlertPolicy(Options.Create(options)), state,
            Options.Create(new NodeOptions { Name = "node-1" }), _time, NullLogger<AlertEvaluator>.Instance);
    }

    private static Task<IReadOnlyList<OutboxRow>> OutboxAsync(NpgsqlDataSource database) => database.QueryListAsync<OutboxRow>(
        "SELECT subject AS Subject, text_body AS TextBody FROM alert_outbox ORDER BY id");

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }

    private sealed record OutboxRow(string Subject, string TextBody);
}
