using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Headers;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Headers;

/// <summary>
/// Posture drift against a real server whose headers change between runs: the previous run's posture is kept in
/// the check's state, and the run that sees a weaker one reports <c>posture.regressed</c> naming each change.
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
    public async Task RunAsync_PolicyWeakened_ReportsEachChangeOnceThenComparesWithTheNewPosture()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(Serving("max-age=31536000; includeSubDomains; preload"), tls.Chain);
        var state = new InMemoryCheckStateStore(new FakeTimeProvider(Stored));
        var check = HeadersChecks.Parse(server.Url(), tls.Trusting(Section()));

        var first = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        server.Respond = Serving("max-age=86400", csp: false);
        var second = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));
        var third = await HeadersChecks.RunAsync(check, HeadersChecks.Context(state));

        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(first));
        var finding = HeadersChecks.Finding(second, "posture.regressed");
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal($"the header posture of {server.Url()} is weaker than at the run of 2026-03-01 12:00:00Z (test-node): HSTS max-age lowered from 31536000 to 86400; HSTS includeSubDomains dropped; HSTS preload dropped; Content-Security-Policy removed", finding.Message);
        Assert.Equal(new KeyValuePair<string, string>("previous posture", "stored the run of 2026-03-01 12:00:00Z (test-node)"), finding.Evidence![0]);
        Assert.Contains(new KeyValuePair<string, string>("< Strict-Transport-Security", "max-age=86400"), finding.Evidence);
        Assert.Contains(new KeyValuePair<string, string>("< Content-Security-Policy", "(absent)"), finding.Evidence);
        Assert.DoesNotContain("posture.regressed", HeadersChecks.Ids(third));
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
