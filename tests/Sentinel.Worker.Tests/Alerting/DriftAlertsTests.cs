using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Alerting;

/// <summary>
/// DNS and header posture drift alerts over real probes (a DNS server and an HTTPS server on loopback whose answers the
/// tests change) and a real PostgreSQL: one [DRIFT] per drift saying what changed, one [RESOLVED] when it is
/// restored or accepted, nothing twice.
/// </summary>
public sealed class DriftAlertsTests(PostgresCluster postgres) : IDisposable
{
    private const string Name = "mail.drift.test.";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCheckStateStore _state = new();
    private readonly TempDirectory _directory = new("sentinel-drift-alerts");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task EvaluateAsync_DnsAnswerDriftsAndReturns_OneDriftWithTheDiffThenOneResolved()
    {
        using var dns = DnsZoneServer.Start();
        dns.AddAddress(Name, "203.0.113.7");
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);
        var check = DnsCheck(dns);

        await RunAsync(evaluator, check, 2);
        dns.Remove(Name);
        dns.AddAddress(Name, "198.51.100.9");
        dns.AddAddress(Name, "198.51.100.10");
        await RunAsync(evaluator, check, 3);
        dns.Remove(Name);
        dns.AddAddress(Name, "203.0.113.7");
        await RunAsync(evaluator, check, 2);

        var rows = await OutboxAsync(database);
        Assert.Equal([("dns-team", "firing", "[DRIFT] Mail DNS A"), ("dns-team", "resolved", "[RESOLVED] Mail DNS A")], rows.Select(r => (r.Channel, r.Event, r.Subject)));
        var text = rows[0].TextBody;
        Assert.StartsWith($"Mail DNS (mail-dns, dns mail.drift.test): the answer for mail.drift.test. A drifted from the baseline stored ", text, StringComparison.Ordinal);
        Assert.Contains(
            $"""

            Server: {dns.Address}
            Added (2):
              mail.drift.test. A 198.51.100.10
              mail.drift.test. A 198.51.100.9
            Removed (1):
              mail.drift.test. A 203.0.113.7

            Baseline (1 record):
              mail.drift.test. A 203.0.113.7

            Hint: if the change is intended, make it the new baseline with: sentinel dns accept mail-dns; otherwise find out who changed the zone. Sentinel says [RESOLVED] once the answer matches a baseline again.

            Last result: down at 
            """.Replace("\r\n", "\n", StringComparison.Ordinal), text, StringComparison.Ordinal);
        Assert.Contains("Severity: warning; alert dns_drift mail-dns:A, notification 1.\nCheck: https://sentinel.example.test/checks/mail-dns\n", text, StringComparison.Ordinal);
        Assert.Contains("the answer for mail.drift.test. A matches the baseline again since ", rows[1].TextBody, StringComparison.Ordinal);
        Assert.Contains("It had drifted since ", rows[1].TextBody, StringComparison.Ordinal);

        // The drift is the DNS alert's: the check-failing alert counts those runs as passes and never fires.
        Assert.Equal("ok", await database.QueryValueAsync<string>("SELECT state FROM alerts WHERE kind = 'check_failing'"));
    }

    [Fact]
    public async Task EvaluateAsync_DriftedAnswerAccepted_ResolvedSayingItBecameTheBaseline()
    {
        using var dns = DnsZoneServer.Start();
        dns.AddAddress(Name, "203.0.113.7");
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);
        var check = DnsCheck(dns);

        await RunAsync(evaluator, check, 1);
        dns.Remove(Name);
        dns.AddAddress(Name, "198.51.100.9");
        await RunAsync(evaluator, check, 2);
        var (_, accepted) = await DnsDrift.AcceptAsync(ProbeCatalog.Default, check, Context(), _state, "sentinel dns accept by alice", TestContext.Current.CancellationToken);
        Assert.NotNull(accepted);
        await RunAsync(evaluator, check, 2);

        var rows = await OutboxAsync(database);
        Assert.Equal(["[DRIFT] Mail DNS A", "[RESOLVED] Mail DNS A"], rows.Select(r => r.Subject));
        Assert.Matches(@"^Mail DNS \(mail-dns, dns mail\.drift\.test\): the answer for mail\.drift\.test\. A became the baseline at [0-9-]+ [0-9:]+ UTC \(sentinel dns accept by alice\)\.\n", rows[1].TextBody);
        Assert.Contains("Baseline (1 record):\n  mail.drift.test. A 198.51.100.9\n", rows[1].TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateAsync_TwoNodesEvaluatingTheSameDriftedResults_NotifyOnce()
    {
        using var dns = DnsZoneServer.Start();
        dns.AddAddress(Name, "203.0.113.7");
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        await using var first = NpgsqlDataSource.Create(connectionString);
        await using var second = NpgsqlDataSource.Create(connectionString);
        var nodes = new[] { Evaluator(first, "node-1"), Evaluator(second, "node-2") };
        var check = DnsCheck(dns);
        var runner = new ProbeRunner(ProbeCatalog.Default, Context());
        var results = new List<ProbeResult> { await runner.RunAsync(check, TestContext.Current.CancellationToken) };
        dns.Remove(Name);
        dns.AddAddress(Name, "198.51.100.9");
        for (var i = 0; i < 3; i++)
        {
            results.Add(await runner.RunAsync(check, TestContext.Current.CancellationToken));
        }

        await Task.WhenAll(nodes.Select(node => Task.Run(async () =>
        {
            foreach (var result in results)
            {
                await node.EvaluateAsync(check, result, TestContext.Current.CancellationToken);
            }
        })));

        Assert.Equal(["[DRIFT] Mail DNS A"], (await OutboxAsync(first)).Select(r => r.Subject));
    }

    [Fact]
    public async Task EvaluateAsync_HstsAndCorsWeakenedThenRestored_OneDriftSayingWhatWeakenedThenOneResolved()
    {
        using var ca = TestCertificateAuthority.Create("Sentinel Drift Test");
        var caFile = _directory.Write("root.pem", ca.RootPem);
        await using var server = await HeaderServer.StartAsync(Serving("max-age=31536000; includeSubDomains; preload", reflect: false), ca.Issue(new CertificateSpec { IpAddresses = [IPAddress.Loopback] }));
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);
        var check = HeadersCheck(server, caFile);

        await RunAsync(evaluator, check, 2);
        server.Respond = Serving("max-age=86400", reflect: true);
        await RunAsync(evaluator, check, 3);
        server.Respond = Serving("max-age=31536000; includeSubDomains; preload", reflect: false);
        await RunAsync(evaluator, check, 2);

        var rows = await OutboxAsync(database);
        Assert.Equal([("sre-oncall", "[DRIFT] Shop front headers"), ("sre-oncall", "[RESOLVED] Shop front headers")], rows.Select(r => (r.Channel, r.Subject)));
        var text = rows[0].TextBody;
        Assert.Contains(
            """
            What weakened:
              HSTS max-age lowered from 31536000 to 86400
              HSTS includeSubDomains dropped
              HSTS preload dropped
              CORS now reflects any origin with credentials
              CORS now allows the origin null

            Now:      HSTS max-age=86400; CORS reflects any origin with credentials, allows the origin null; security headers: nosniff
            Baseline: HSTS max-age=31536000; includeSubDomains; preload; CORS grants no foreign origin; security headers: nosniff (the baseline stored 
            """.Replace("\r\n", "\n", StringComparison.Ordinal), text, StringComparison.Ordinal);
        Assert.Contains("Hint: roll back the deploy or configuration change that weakened it; if the change is intended, make this posture the baseline with: sentinel audit accept shop-front.", text, StringComparison.Ordinal);
        Assert.Contains("Severity: warning; alert header_drift shop-front, notification 1.", text, StringComparison.Ordinal);
        Assert.Contains("the header posture is no weaker than its baseline again since ", rows[1].TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateAsync_WeakerPostureAccepted_Resolved()
    {
        using var ca = TestCertificateAuthority.Create("Sentinel Drift Test");
        var caFile = _directory.Write("root.pem", ca.RootPem);
        await using var server = await HeaderServer.StartAsync(Serving("max-age=31536000; includeSubDomains", reflect: false), ca.Issue(new CertificateSpec { IpAddresses = [IPAddress.Loopback] }));
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);
        var check = HeadersCheck(server, caFile);

        await RunAsync(evaluator, check, 1);
        server.Respond = Serving(null, reflect: false);
        await RunAsync(evaluator, check, 2);
        var (_, accepted) = await AuditBaseline.AcceptAsync(ProbeCatalog.Default, check, Context(), _state, "sentinel audit accept by alice", TestContext.Current.CancellationToken);
        Assert.NotNull(accepted);
        await RunAsync(evaluator, check, 2);

        var rows = await OutboxAsync(database);
        Assert.Equal(["[DRIFT] Shop front headers", "[RESOLVED] Shop front headers"], rows.Select(r => r.Subject));
        Assert.Contains("  Strict-Transport-Security removed or invalid (was max-age=31536000; includeSubDomains)\n", rows[0].TextBody, StringComparison.Ordinal);
        Assert.Contains("Baseline: no valid HSTS; CORS grants no foreign origin; security headers: nosniff (the baseline stored ", rows[1].TextBody, StringComparison.Ordinal);
    }

    private static Action<HttpContext> Serving(string? hsts, bool reflect) => c =>
    {
        if (hsts is not null)
        {
            HeaderServer.Add(c, "Strict-Transport-Security", hsts);
        }

        HeaderServer.Add(c, "X-Content-Type-Options", "nosniff");
        if (reflect && c.Request.Headers.Origin.ToString() is { Length: > 0 } origin)
        {
            HeaderServer.Add(c, "Access-Control-Allow-Origin", origin);
            HeaderServer.Add(c, "Access-Control-Allow-Credentials", "true");
            HeaderServer.Add(c, "Vary", "Origin");
        }
    };

    private static CheckDefinition DnsCheck(DnsZoneServer dns) => Parse($$"""
        { "id": "mail-dns", "name": "Mail DNS", "type": "dns", "target": "mail.drift.test", "timeout": "2s",
          "dns": { "servers": ["{{dns.Address}}"], "drift": "baseline" }, "alert": { "after": 1 } }
        """);

    private static CheckDefinition HeadersCheck(HeaderServer server, string caFile) => Parse($$"""
        { "id": "shop-front", "name": "Shop front", "type": "headers", "target": "{{server.Url()}}", "timeout": "5s",
          "headers": { "hsts": { "httpRedirect": false }, "tls": { "caFile": "{{caFile}}" } }, "alert": { "after": 1 } }
        """);

    private static CheckDefinition Parse(string json)
    {
        var document = CheckParser.Parse(json, "t.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return document.Checks[0].Definition;
    }

    private ProbeContext Context() => new() { Random = new Random(6), State = _state, Node = "test-node" };

    /// <summary>Runs <paramref name="check"/> <paramref name="runs"/> times with the real probe and evaluates each result.</summary>
    private async Task RunAsync(AlertEvaluator evaluator, CheckDefinition check, int runs)
    {
        var runner = new ProbeRunner(ProbeCatalog.Default, Context());
        for (var i = 0; i < runs; i++)
        {
            var result = await runner.RunAsync(check, TestContext.Current.CancellationToken);
            Assert.NotEqual(ProbeStatus.Unknown, result.Status);
            await evaluator.EvaluateAsync(check, result, TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>The notifications of drift alerts, oldest first (a headers check may fail its audit besides, which is another alert's business).</summary>
    private static Task<IReadOnlyList<OutboxRow>> OutboxAsync(NpgsqlDataSource database) => database.QueryListAsync<OutboxRow>(
        """
        SELECT o.channel AS Channel, o.event AS Event, o.subject AS Subject, o.text_body AS TextBody
        FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.kind IN ('dns_drift', 'header_drift') ORDER BY o.id
        """);

    private AlertEvaluator Evaluator(NpgsqlDataSource database, string node = "node-1")
    {
        var options = AlertingConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sentinel:Alerting:PublicUrl"] = "https://sentinel.example.test",
            ["Sentinel:Alerting:Smtp:Host"] = "127.0.0.1",
            ["Sentinel:Alerting:Smtp:From"] = "sentinel@example.test",
            ["Sentinel:Alerting:Channels:sre-oncall:Type"] = "email",
            ["Sentinel:Alerting:Channels:sre-oncall:To:0"] = "oncall@example.test",
            ["Sentinel:Alerting:Channels:dns-team:Type"] = "email",
            ["Sentinel:Alerting:Channels:dns-team:To:0"] = "dns@example.test",
            ["Sentinel:Alerting:Defaults:Notify:0"] = "sre-oncall",
            ["Sentinel:Alerting:Dns:Notify:0"] = "dns-team",
        }).Build());
        var state = new DatabaseState();
        state.MarkReady();
        return new AlertEvaluator(new AlertStore(database), new AlertPolicy(Options.Create(options)), state,
            Options.Create(new NodeOptions { Name = node }), _time, NullLogger<AlertEvaluator>.Instance);
    }

    private sealed record OutboxRow(string Channel, string Event, string Subject, string TextBody);
}
