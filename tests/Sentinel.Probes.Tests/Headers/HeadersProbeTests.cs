using System.Text.Json;
using System.Text.Json.Nodes;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Headers;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Audits;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Headers;

/// <summary>
/// The headers check as a whole: fetched exactly as an http check (same phases, measurements and failure
/// categories), audited only when that exchange passed, its findings exported as bounded series, and the same audit
/// available as the <c>audit</c> block of http checks.
/// </summary>
public sealed class HeadersProbeTests
{
    private static readonly JsonObject NoHsts = new() { ["hsts"] = new JsonObject { ["enabled"] = false } };

    [Fact]
    public async Task RunAsync_NothingListening_FailsAsTheHttpProbeDoesAndAuditsNothing()
    {
        var port = TcpPorts.Closed();

        var result = await HeadersChecks.RunAsync($"http://127.0.0.1:{port}/");

        Assert.Equal("tcp_refused", result.Failure!.Category);
        Assert.Empty(result.Findings);
        Assert.DoesNotContain("audit.findings_critical", result.Measurements.Keys);
    }

    [Fact]
    public async Task RunAsync_UnexpectedStatus_FailsWithHttpStatusAndSendsNoAuditRequest()
    {
        await using var server = await HeaderServer.StartAsync(c => c.Response.StatusCode = 503);

        var result = await HeadersChecks.RunAsync(server.Url());

        Assert.Equal("http_status", result.Failure!.Category);
        Assert.Single(server.Requests);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task RunAsync_ExpectedErrorStatus_IsAudited()
    {
        await using var server = await HeaderServer.StartAsync(c => c.Response.StatusCode = 401);

        var result = await HeadersChecks.RunAsync(server.Url(), new JsonObject { ["expectStatus"] = new JsonArray(401), ["hsts"] = new JsonObject { ["enabled"] = false } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task RunAsync_UntrustedCertificate_FailsWithTheTlsCategoryAndAuditsNothing()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(tls: tls.Chain);

        var result = await HeadersChecks.RunAsync(server.Url(), new JsonObject());

        Assert.Equal("tls_untrusted_root", result.Failure!.Category);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task RunAsync_Https_HasTheHttpPhasesMeasurementsAndFindingSeries()
    {
        using var tls = new HttpsSite();
        await using var server = await HeaderServer.StartAsync(new CorsServerPolicy { ReflectAny = true }.Respond, tls.Chain);
        var section = tls.Trusting(new JsonObject { ["hsts"] = new JsonObject { ["httpRedirect"] = false } });

        var result = await HeadersChecks.RunAsync(server.Url(), section);

        Assert.Equal(["resolve", "connect", "tls", "processing", "transfer"], result.Phases.Select(p => p.Name));
        Assert.Equal(200, result.Measurements["http.status_code"].Number);
        Assert.Equal(2, result.Measurements["audit.findings_critical"].Number);
        Assert.Equal(1, result.Measurements["audit.findings_warning"].Number);
        Assert.Equal(0, result.Measurements["audit.findings_info"].Number);
        Assert.DoesNotContain("audit.hsts_max_age", result.Measurements.Keys);
        var series = result.Samples.Where(s => s.Metric == AuditMetrics.Findings).Select(s => $"{s.Labels[0]} {s.Labels[1]} {s.Value}").Order(StringComparer.Ordinal);
        Assert.Equal(["cors.allows_null_origin critical 1", "cors.reflects_any_origin_with_credentials critical 1", "hsts.missing warning 1"], series);
        Assert.Equal(AuditIds.All.Count, AuditMetrics.Findings.SeriesPerCheck);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_http_status_code");
    }

    [Fact]
    public async Task RunAsync_HttpCheckWithAudit_AuditsAfterItsOwnChecks()
    {
        await using var server = await HeaderServer.StartAsync(new CorsServerPolicy { ReflectAny = true, Credentials = false }.Respond);
        var http = new JsonObject { ["bodyMatches"] = "ok", ["audit"] = new JsonObject { ["hsts"] = new JsonObject { ["enabled"] = false }, ["failOn"] = "warning" } };

        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url(), http, type: "http"));

        Assert.Equal("http", result.Type);
        Assert.Equal(["cors.allows_null_origin", "cors.reflects_any_origin"], HeadersChecks.Ids(result));
        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal("2 findings at or above warning: cors.reflects_any_origin, cors.allows_null_origin", result.Failure!.Message);
        using var details = JsonDocument.Parse(ProbeResultJson.Serialize(result));
        var exchanges = details.RootElement.GetProperty("details").GetProperty("audit").GetProperty("exchanges");
        Assert.Equal(3, exchanges.GetArrayLength());
        Assert.Equal("the request with Origin: null", exchanges[2].GetProperty("purpose").GetString());
    }

    [Fact]
    public async Task RunAsync_HttpCheckWithoutAudit_SendsOneRequest()
    {
        await using var server = await HeaderServer.StartAsync();

        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url(), type: "http"));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Single(server.Requests);
        Assert.Null(((HttpDetails)result.Details!).Audit);
    }

    [Fact]
    public async Task RunAsync_DeadlineHitDuringTheAudit_IsATimeoutNamingTheRequest()
    {
        await using var server = RawHttpServer.Start(async (stream, head, ct) =>
        {
            if (head.Contains("Origin: null", StringComparison.Ordinal))
            {
                await RawHttpServer.HoldAsync(ct);
                return;
            }

            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ct);
        });

        // Time enough for the fetch and the requests before the held one even on a busy machine; the held one
        // must then cost no more than the rest of the deadline.
        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url(), NoHsts.DeepClone().AsObject(), timeout: "3s"));

        Assert.Equal("http_timeout", result.Failure!.Category);
        Assert.StartsWith("header audit, the request with Origin: null: no response from ", result.Failure.Message, StringComparison.Ordinal);
        Assert.True(result.Duration < TimeSpan.FromSeconds(5), result.Duration.ToString());
    }

    [Fact]
    public async Task RunAsync_HostileHeaders_AreJudgedInBoundedTimeAndQuotedShort()
    {
        var huge = new string('a', 20_000);
        await using var server = RawHttpServer.Start(async (stream, head, ct) =>
        {
            var headers = string.Concat(Enumerable.Range(0, 200).Select(i => $"Set-Cookie: c{i}=v\r\n"))
                + $"Strict-Transport-Security: max-age={huge}\r\n"
                + $"Access-Control-Allow-Origin: https://{huge}.example\r\n"
                + "Access-Control-Allow-Credentials: tru\u00e9\r\n"
                + "Vary: Origin\r\n";
            await RawHttpServer.WriteAsync(stream, $"HTTP/1.1 200 OK\r\n{headers}Content-Length: 2\r\n\r\nok", ct);
        });
        var section = new JsonObject { ["hsts"] = new JsonObject { ["httpRedirect"] = false }, ["securityHeaders"] = new JsonArray("cookies") };

        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url(), section));

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        Assert.Contains("cors.credentials_invalid", HeadersChecks.Ids(result));
        Assert.All(result.Findings, f =>
        {
            Assert.True(f.Message.Length < 2_000, f.Id);
            Assert.All(f.Evidence!, e => Assert.True(e.Value.Length <= 513, e.Key));
        });
    }

    [Fact]
    public async Task RunAsync_ResponseHeadersOverTheLimit_IsAProtocolErrorNotACrash()
    {
        await using var server = RawHttpServer.Start(async (stream, head, ct) =>
        {
            var headers = string.Concat(Enumerable.Range(0, 2000).Select(i => $"X-Pad-{i}: {new string('p', 40)}\r\n"));
            await RawHttpServer.WriteAsync(stream, $"HTTP/1.1 200 OK\r\n{headers}Content-Length: 2\r\n\r\nok", ct);
        });

        var result = await HeadersChecks.RunAsync(server.Url());

        Assert.Equal("http_protocol_error", result.Failure!.Category);
    }

    [Fact]
    public void Read_NoSection_AuditsWithTheDefaults()
    {
        var check = HeadersChecks.Parse("https://app.example.com/");

        var audit = check.SectionAs<HeadersSection>()!.Audit;

        Assert.Equal(FindingSeverity.Critical, audit.FailOn);
        Assert.True(audit.Hsts.Enabled && audit.Hsts.HttpRedirect && audit.Cors.Enabled && audit.Posture);
        Assert.Equal(TimeSpan.FromDays(180), audit.Hsts.MinMaxAge);
        Assert.Equal(TimeSpan.FromHours(24), audit.Cors.MaxAge);
        Assert.Empty(audit.SecurityHeaders);
        Assert.Equal(new Uri("http://app.example.com/a?b"), audit.Hsts.PlainUrlFor(new Uri("https://app.example.com:8443/a?b")));
    }

    [Fact]
    public void Read_FullSection_KeepsEverySetting()
    {
        var check = HeadersChecks.Parse("https://app.example.com/", JsonNode.Parse("""
            {
              "headers": { "Cookie": "session=1" }, "httpVersion": "2", "failOn": "warning", "posture": false,
              "hsts": { "minMaxAge": "365d", "includeSubDomains": true, "preload": true, "httpUrl": "http://app.example.com:8080/" },
              "cors": { "origins": ["https://a.example.com", "http://localhost:3000"], "methods": ["put", "patch"], "headers": ["X-Api-Key", "Accept"], "credentials": true, "maxAge": "2h" },
              "securityHeaders": ["csp", "cookies"],
              "severity": { "hsts.preload_not_ready": "off", "cors.missing_vary_origin": "critical" }
            }
            """)!.AsObject());

        var http = check.SectionAs<HeadersSection>()!.Http;
        var audit = check.SectionAs<HeadersSection>()!.Audit;

        Assert.Equal("session=1", http.Headers["Cookie"]);
        Assert.Equal(HttpVersionPreference.Http2, http.Version);
        Assert.Equal(FindingSeverity.Warning, audit.FailOn);
        Assert.False(audit.Posture);
        Assert.Equal((TimeSpan.FromDays(365), true, true, "http://app.example.com:8080/"), (audit.Hsts.MinMaxAge, audit.Hsts.IncludeSubDomains, audit.Hsts.Preload, audit.Hsts.HttpUrl!.ToString()));
        Assert.Equal(["https://a.example.com", "http://localhost:3000"], audit.Cors.Origins);
        Assert.Equal(["PUT", "patch"], audit.Cors.Methods);
        Assert.Equal(["PUT", "patch"], audit.Cors.PreflightMethods);
        Assert.Equal(["x-api-key"], audit.Cors.PreflightHeaders);
        Assert.Equal(TimeSpan.FromHours(2), audit.Cors.MaxAge);
        Assert.Equal([SecurityHeader.Csp, SecurityHeader.Cookies], audit.SecurityHeaders.Order());
        Assert.Null(audit.SeverityOf("hsts.preload_not_ready", FindingSeverity.Warning));
        Assert.Equal(FindingSeverity.Critical, audit.SeverityOf("cors.missing_vary_origin", FindingSeverity.Warning));
    }

    [Fact]
    public void Read_OnlyNonSimpleHeaders_PreflightsWithTheFirstMethod()
    {
        var cors = HeadersChecks.Parse("https://a.example/", JsonNode.Parse("""{ "cors": { "origins": ["https://b.example"], "headers": ["Content-Type"] } }""")!.AsObject())
            .SectionAs<HeadersSection>()!.Audit.Cors;

        Assert.Equal(["GET"], cors.PreflightMethods);
        Assert.Equal(["content-type"], cors.PreflightHeaders);
    }
}
