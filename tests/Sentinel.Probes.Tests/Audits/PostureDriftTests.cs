using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Tests.Headers;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// Posture drift against a real server whose headers change between runs: the check's baseline posture is kept in
/// its state, and every run that sees a weaker one reports <c>posture.regressed</c> naming each change, until the
/// posture is restored or accepted as the new baseline.
/// </summary>
public sealed class PostureDriftTests
{
    private static readonly DateTimeOffset Stored = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject Section() => new()
    {
        ["hsts"] = new JsonObject { ["httpRedirect"] = false },
        ["headers"] = new JsonObject { ["Cookie"] = "session=1" },
    };

    private static Action<Microsoft.AspNetCore.Http.HttpContext> Serving(string? hsts, bool csp = true, bool reflect = false) => c =>
    {
        if (hsts is not null)
        {
            HeaderServer.Add(c, "Strict-Transport-Security", hsts);
        }

        if (csp)
        {
            HeaderServer.Add(c, "Content-Security-Policy", "default-src 'self'");
        }

        HeaderServer.Add(c, "X-Content-Type-Options", "nosniff");
        if (reflect && c.Request.Headers.Origin.ToString() is { Length: > 0 } origin)
        {
            HeaderServer.Add(c, "Access-Control-Allow-Origin", origin);
            HeaderServer.Add(c, "Access-Control-Allow-Credentials", "true");
            HeaderServer.Add(c, "Vary", "Origin");
        }
    };

    [Fact]
    public async Task RunAsync_PolicyWeakened_ReportsEachChangeOnEveryRunUntilRestored()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(Serving("max-age=31536000; includeSubDomains; preload"), tls.Chain);
        var state = new InMemoryCheckStateStore(new FakeTimeProvider(Stored));
        var check = HeadersChecks.Parse(server.Url(), tls.Trusting(Section()));

        var first = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving("max-age=86400", csp: false);
        var second = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        var third = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving("max-age=31536000; includeSubDomains; preload");
        var restored = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(first));
        var finding = HeadersChecks.Finding(second, "posture.regressed");
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        var message = $"the header posture of {server.Url()} is weaker than its baseline (stored 2026-03-01 12:00:00Z by header audit on test-node): HSTS max-age lowered from 31536000 to 86400; HSTS includeSubDomains dropped; HSTS preload dropped; Content-Security-Policy removed";
        Assert.Equal(message, finding.Message);
        Assert.Equal(new KeyValuePair<string, string>("baseline", "HSTS max-age=31536000; includeSubDomains; preload; CORS grants no foreign origin; security headers: nosniff, CSP (stored 2026-03-01 12:00:00Z by header audit on test-node)"), finding.Evidence![0]);
        Assert.Contains(new KeyValuePair<string, string>("< Strict-Transport-Security", "max-age=86400"), finding.Evidence);
        Assert.Contains(new KeyValuePair<string, string>("< Content-Security-Policy", "(absent)"), finding.Evidence);
        Assert.StartsWith("if the change is intended, make this posture the baseline with: sentinel audit accept headers-test; ", finding.Hint, StringComparison.Ordinal);

        // The weaker posture did not become the baseline: the next run reports the same regression.
        Assert.Equal(message, HeadersChecks.Finding(third, "posture.regressed").Message);
        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(restored));
    }

    [Fact]
    public async Task RunAsync_OnePartStrongerWhileAnotherRegressed_RaisesTheBaselineOfThatPart()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(Serving("max-age=31536000"), tls.Chain);
        var state = new InMemoryCheckStateStore(new FakeTimeProvider(Stored));
        var check = HeadersChecks.Parse(server.Url(), tls.Trusting(Section()));

        await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving("max-age=63072000", csp: false);
        var raised = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving("max-age=31536000");
        var lowered = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

        Assert.EndsWith(": Content-Security-Policy removed", HeadersChecks.Finding(raised, "posture.regressed").Message, StringComparison.Ordinal);
        Assert.EndsWith(": HSTS max-age lowered from 63072000 to 31536000", HeadersChecks.Finding(lowered, "posture.regressed").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TargetChanged_TakesANewBaseline()
    {
        using var tls = new HttpsSite();
        await using var strong = await HeaderServer.StartAsync(Serving("max-age=31536000; includeSubDomains"), tls.Chain);
        await using var weak = await HeaderServer.StartAsync(Serving(null, csp: false), tls.Chain);
        var state = new InMemoryCheckStateStore();

        await HeadersChecks.RunAsync(HeadersChecks.Parse(strong.Url(), tls.Trusting(Section())), HeadersChecks.Context(state));
        var moved = await HeadersChecks.RunAsync(HeadersChecks.Parse(weak.Url(), tls.Trusting(Section())), HeadersChecks.Context(state));

        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(moved));
        Assert.Contains($"\"target\":\"{weak.Url()}\"", (await state.GetAsync("headers-test", AuditPosture.StateKey, CancellationToken.None))!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptAsync_WeakerPosture_BecomesTheBaselineAndEndsTheFinding()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(Serving("max-age=31536000; includeSubDomains"), tls.Chain);
        var state = new InMemoryCheckStateStore(new FakeTimeProvider(Stored));
        var check = HeadersChecks.Parse(server.Url(), tls.Trusting(Section()));
        await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving("max-age=86400");

        var (result, accepted) = await AuditBaseline.AcceptAsync(ProbeCatalog.Default, check, HeadersChecks.Context(), state, "sentinel audit accept by ops@node", CancellationToken.None);
        var after = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(result));
        Assert.Equal(new HstsPosture(true, 86400, false, false), accepted!.Hsts);
        Assert.Equal("sentinel audit accept by ops@node", (await state.GetAsync(check.Id, AuditPosture.StateKey, CancellationToken.None))!.UpdatedBy);
        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(after));
    }

    [Fact]
    public async Task RunAsync_HstsRemovedAndCorsNowReflecting_AreRegressions()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(Serving("max-age=31536000"), tls.Chain);
        var state = new InMemoryCheckStateStore(new FakeTimeProvider(Stored));
        var check = HeadersChecks.Parse(server.Url(), tls.Trusting(Section()));

        await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving(null, reflect: true);
        var result = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

        Assert.EndsWith(": Strict-Transport-Security removed or invalid (was max-age=31536000); CORS now reflects any origin with credentials; CORS now allows the origin null",
            HeadersChecks.Finding(result, "posture.regressed").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PolicyStrengthened_IsNoRegression()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(Serving("max-age=86400", csp: false), tls.Chain);
        var state = new InMemoryCheckStateStore();
        var check = HeadersChecks.Parse(server.Url(), tls.Trusting(Section()));

        await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving("max-age=31536000; includeSubDomains");
        var result = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(result));
        Assert.Contains("\"maxAge\":31536000", (await state.GetAsync(check.Id, AuditPosture.StateKey, CancellationToken.None))!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnreadableOrFailingStore_OnlyCostsTheComparison()
    {
        await using var server = await HeaderServer.StartAsync(Serving(null));
        var state = new InMemoryCheckStateStore();
        var section = Section();
        section["hsts"] = new JsonObject { ["enabled"] = false };
        var check = HeadersChecks.Parse(server.Url(), section);
        await state.SetAsync(check.Id, AuditPosture.StateKey, "{\"hsts\": [not json", "someone", CancellationToken.None);

        var unreadable = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        var failing = await HeadersChecks.RunAsync(check, HeadersChecks.Context(new FailingStateStore()));

        Assert.Equal(ProbeStatus.Up, unreadable.Status);
        Assert.Equal(ProbeStatus.Up, failing.Status);
        Assert.StartsWith("{\"hsts\":null,\"cors\":{", (await state.GetAsync(check.Id, AuditPosture.StateKey, CancellationToken.None))!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareAsync_PostureStoredByAnEarlierVersion_IsReadAndKeptInItsFormat()
    {
        var state = new InMemoryCheckStateStore();
        var context = new ProbeContext { State = state, Node = "node-a" };
        // As stored before the posture recorded its target: it applies to any target.
        const string Earlier = """{"hsts":{"valid":true,"maxAge":31536000,"includeSubDomains":true,"preload":false},"cors":null,"headers":{"nosniff":true,"csp":true,"framing":false,"referrerPolicy":false}}""";
        await state.SetAsync("h", AuditPosture.StateKey, Earlier, "old", CancellationToken.None);
        var now = new AuditPosture(new HstsPosture(true, 600, false, false), null, new HeadersPosture(true, false, false, false), "https://h.sentinel.test/");

        var compared = await AuditBaseline.CompareAsync(now, "h", context, CancellationToken.None);

        Assert.Equal(AuditBaseline.Read(Earlier), compared!.Value.Baseline);
        Assert.Equal(["HSTS max-age lowered from 31536000 to 600", "HSTS includeSubDomains dropped", "Content-Security-Policy removed"], now.RegressionsSince(compared.Value.Baseline));
        Assert.Equal(
            """{"hsts":{"valid":true,"maxAge":31536000,"includeSubDomains":true,"preload":false},"cors":null,"headers":{"nosniff":true,"csp":true,"framing":false,"referrerPolicy":false},"target":"https://h.sentinel.test/"}""",
            (await state.GetAsync("h", AuditPosture.StateKey, CancellationToken.None))!.Json);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"hsts":5}""")]
    [InlineData("""{"hsts":{"valid":"yes"}}""")]
    [InlineData("""{"hsts":{"valid":true,"maxAge":"long"}}""")]
    [InlineData("""{"target":7}""")]
    public void Read_UnreadablePosture_IsNone(string json) => Assert.Null(AuditBaseline.Read(json));

    [Fact]
    public async Task RunAsync_PostureOff_StoresNothing()
    {
        await using var server = await HeaderServer.StartAsync(Serving(null));
        var state = new InMemoryCheckStateStore();
        var section = Section();
        section["posture"] = false;
        var check = HeadersChecks.Parse(server.Url(), section);

        await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

        Assert.Null(await state.GetAsync(check.Id, AuditPosture.StateKey, CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_AuditRequestFails_StoresNoPosture()
    {
        // The check's own request is answered; the first CORS request finds the server gone mid-run.
        var state = new InMemoryCheckStateStore();
        RawHttpServer? server = null;
        server = RawHttpServer.Start(async (stream, head, ct) =>
        {
            if (head.Contains("Origin:", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", ct);
        });
        await using (server)
        {
            var check = HeadersChecks.Parse(server.Url(), Section());

            var result = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

            Assert.Equal(ProbeStatus.Down, result.Status);
            Assert.Equal("http_response_incomplete", result.Failure!.Category);
            Assert.StartsWith($"header audit, the request with the made-up Origin: {HeadersChecks.HostileOrigin()}: ", result.Failure.Message, StringComparison.Ordinal);
            Assert.Null(await state.GetAsync(check.Id, AuditPosture.StateKey, CancellationToken.None));
        }
    }

    private sealed class FailingStateStore : ICheckStateStore
    {
        public ValueTask<CheckState?> GetAsync(string checkId, string key, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the database is away");

        public ValueTask SetAsync(string checkId, string key, string json, string updatedBy, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the database is away");
    }
}
