using System.Net;
using Sentinel.Api.Tests.Endpoints;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests.Protection;

/// <summary>Rate limits, CORS, security headers: the API over real Kestrel, HTTPS with a generated certificate included.</summary>
[Collection(ApiHostTests.Name)]
public sealed class ProtectionTests(PostgresCluster postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RateLimit_PerKey_Answers429WithRetryAfter()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?>
        {
            ["Sentinel:Api:RequestsPerMinute"] = "6",
            ["Sentinel:Api:Burst"] = "3",
        });
        var busy = host.Client(await host.CreateKeyAsync("busy", "read"));
        var quiet = host.Client(await host.CreateKeyAsync("quiet", "read"));

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 6 && refused is null; i++)
        {
            var response = await busy.GetAsync("/v1/checks", Ct);
            statuses.Add(response.StatusCode);
            refused = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.NotNull(refused);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.InRange(refused.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 10);
        Assert.Equal("urn:sentinel:problem:rate-limited", (await ChecksEndpointsTests.Body(refused)).GetProperty("type").GetString());

        // Another key has its own bucket.
        Assert.Equal(HttpStatusCode.OK, (await quiet.GetAsync("/v1/checks", Ct)).StatusCode);
    }

    [Fact]
    public async Task RequestTimeout_DatabaseHeldUp_Answers504Problem()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Api:RequestTimeout"] = "00:00:01" });
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));

        // Another session holds the checks table, so the listing waits for it past the request timeout.
        await using var connection = await host.Database.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using (var lockTable = new Npgsql.NpgsqlCommand("LOCK TABLE checks IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(Ct);
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.GetAsync("/v1/checks", Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("urn:sentinel:problem:timeout", (await ChecksEndpointsTests.Body(response)).GetProperty("type").GetString());
        Assert.InRange(started.Elapsed.TotalSeconds, 0.9, 10);
        await transaction.RollbackAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/checks", Ct)).StatusCode);
    }

    [Fact]
    public async Task Cors_OffByDefault_NoOriginIsAllowed()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/checks");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "DELETE");
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/v1/checks");
        simple.Headers.Add("Origin", "https://evil.example");

        var answers = new[] { await client.SendAsync(preflight, Ct), await client.SendAsync(simple, Ct) };

        Assert.All(answers, a => Assert.False(a.Headers.Contains("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task Cors_ConfiguredOrigin_AllowedAndNoOther()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Api:CorsOrigins:0"] = "https://dash.example" });
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));

        async Task<HttpResponseMessage> Preflight(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/checks");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            request.Headers.Add("Access-Control-Request-Headers", "authorization");
            return await client.SendAsync(request, Ct);
        }

        Assert.Equal("https://dash.example", Assert.Single((await Preflight("https://dash.example")).Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False((await Preflight("https://evil.example")).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://dash.example/")]
    [InlineData("https://dash.example/app")]
    [InlineData("dash.example")]
    [InlineData("ftp://dash.example")]
    public void Cors_NotAnOrigin_RefusedAtStart(string origin)
    {
        var configuration = Sentinel.Worker.Hosting.SentinelConfiguration.Build(null, new Dictionary<string, string?>
        {
            ["Sentinel:Database"] = "Host=/nonexistent;Database=none",
            ["Sentinel:Api:CorsOrigins:0"] = origin,
        });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Sentinel.Worker.Hosting.SentinelHost.Build(configuration));

        Assert.Contains($"Sentinel:Api:CorsOrigins: \"{origin}\" is not an origin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverHttps_SentinelsOwnHeadersAudit_FindsNoWarning()
    {
        using var pki = TestCertificateAuthority.Create();
        using var files = new TempDirectory("sentinel-api-tls");
        var chain = pki.Issue(new CertificateSpec { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] });
        var certificate = files.Write("server.pem", chain.LeafPem + chain.IntermediatesPem);
        var key = files.Write("server.key", chain.KeyPem);
        var ca = files.Write("ca.pem", pki.RootPem);
        await using var host = await ApiTestHost.StartAsync(postgres, scheme: "https", settings: new Dictionary<string, string?>
        {
            ["Sentinel:Http:CertificateFile"] = certificate,
            ["Sentinel:Http:KeyFile"] = key,
        });
        var apiKey = await host.CreateKeyAsync("auditor", "read");
        var port = new Uri(host.BaseUrl).Port;

        // Sentinel serves HTTPS only, so there is no plain-HTTP URL whose redirect could be judged.
        var document = CheckParser.Parse(
            $$"""
            {
              "id": "sentinel-api-audit", "type": "headers", "target": "https://localhost:{{port}}/v1/checks", "ipVersion": "ipv4",
              "headers": {
                "headers": { "Authorization": "Bearer {{apiKey}}" },
                "tls": { "caFile": "{{ca}}" },
                "failOn": "warning",
                "hsts": { "minMaxAge": "365d", "includeSubDomains": true, "httpRedirect": false },
                "securityHeaders": ["nosniff", "csp", "framing", "referrerPolicy", "cookies"]
              }
            }
            """, "audit", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext());

        var result = await runner.RunAsync(document.Checks[0].Definition, Ct);

        Assert.True(result.Status == ProbeStatus.Up, $"{result.Status}: {string.Join("; ", result.Problems.Select(p => p.Message))}");
        Assert.Equal(200.0, result.Measurements["http.status_code"].Number);
        Assert.DoesNotContain(result.Findings, f => f.Severity >= FindingSeverity.Warning);
    }
}
