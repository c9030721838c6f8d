using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Headers;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// The optional security headers and cookie flags, against real servers that send each value: found missing only
/// when the check requires them (warning by default), judged on the page the redirects end at, cookies only over HTTPS.
/// </summary>
public sealed class SecurityHeadersTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private static JsonObject Requiring(params string[] headers) => new()
    {
        ["securityHeaders"] = new JsonArray(headers.Select(h => JsonValue.Create(h)).ToArray<JsonNode?>()),
        ["hsts"] = new JsonObject { ["enabled"] = false },
        ["cors"] = new JsonObject { ["enabled"] = false },
    };

    public static TheoryData<string, string, string> Headers() => new()
    {
        // header: value ("|" separates fields) → expected id ("" none)
        { "", "", "headers.csp_missing headers.framing_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "X-Content-Type-Options", "nosniff", "headers.csp_missing headers.framing_missing headers.referrer_policy_missing" },
        { "X-Content-Type-Options", "NoSniff", "headers.csp_missing headers.framing_missing headers.referrer_policy_missing" },
        { "X-Content-Type-Options", "nosnif", "headers.csp_missing headers.framing_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "Content-Security-Policy", "default-src 'self'", "headers.framing_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "Content-Security-Policy", "default-src 'self'; FRAME-ANCESTORS 'none'", "headers.nosniff_missing headers.referrer_policy_missing" },
        { "Content-Security-Policy-Report-Only", "default-src 'self'; frame-ancestors 'none'", "headers.csp_missing headers.framing_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "X-Frame-Options", "DENY", "headers.csp_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "X-Frame-Options", "sameorigin", "headers.csp_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "X-Frame-Options", "ALLOW-FROM https://a.example", "headers.csp_missing headers.framing_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "Referrer-Policy", "strict-origin-when-cross-origin", "headers.csp_missing headers.framing_missing headers.nosniff_missing" },
        { "Referrer-Policy", "no-referrer, bogus", "headers.csp_missing headers.framing_missing headers.nosniff_missing" },
        { "Referrer-Policy", "unsafe-url", "headers.csp_missing headers.framing_missing headers.nosniff_missing headers.referrer_policy_missing" },
        { "Referrer-Policy", "bogus", "headers.csp_missing headers.framing_missing headers.nosniff_missing headers.referrer_policy_missing" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task RunAsync_SecurityHeaderValue_ReportsExactlyTheseIds(string name, string value, string expected)
    {
        await using var server = await HeaderServer.StartAsync(c =>
        {
            if (name.Length > 0)
            {
                HeaderServer.Add(c, name, value);
            }
        });

        var result = await HeadersChecks.RunAsync(server.Url(), Requiring("nosniff", "csp", "framing", "referrerPolicy"));

        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), HeadersChecks.Ids(result));
        Assert.All(result.Findings, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
    }

    [Fact]
    public async Task RunAsync_NotRequired_ReportsNothingButRecordsThePosture()
    {
        await using var server = await HeaderServer.StartAsync();

        var result = await HeadersChecks.RunAsync(server.Url(), Requiring());

        Assert.Empty(result.Findings);
        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_AfterRedirects_JudgesTheLastResponse()
    {
        await using var server = await HeaderServer.StartAsync(c =>
        {
            if (c.Request.Path == "/start")
            {
                c.Response.StatusCode = 302;
                c.Response.Headers.Location = "/page";
            }
            else
            {
                HeaderServer.Add(c, "X-Content-Type-Options", "nosniff");
            }
        });

        var result = await HeadersChecks.RunAsync(server.Url("/start"), Requiring("nosniff"));

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task RunAsync_Cookies_NamesEachCookieLackingAFlagWithoutItsValue()
    {
        await using var server = await HeaderServer.StartAsync(c =>
        {
            HeaderServer.Add(c, "Set-Cookie", "session=s3cret; Path=/; Secure; HttpOnly; SameSite=Lax");
            HeaderServer.Add(c, "Set-Cookie", "prefs=dark; Path=/");
            HeaderServer.Add(c, "Set-Cookie", "csrf=t0ken; Secure; SameSite=Strict");
            HeaderServer.Add(c, "Set-Cookie", "tracker=1; SameSite=None; HttpOnly");
            HeaderServer.Add(c, "Set-Cookie", "old=; Max-Age=0");
        }, pki.Trusted.Issue(new CertificateSpec { IpAddresses = [System.Net.IPAddress.Loopback] }));
        var section = Requiring("cookies");
        section["tls"] = new JsonObject { ["caFile"] = pki.RootFile };

        var result = await HeadersChecks.RunAsync(server.Url(), section);

        Assert.Equal(["cookies.no_samesite", "cookies.not_httponly", "cookies.not_secure"], HeadersChecks.Ids(result));
        Assert.Equal($"{server.Url()} sets 2 cookies (prefs, tracker (SameSite=None without Secure: browsers drop it)) without Secure: browsers also send them over plain HTTP, where anyone on the path can read them",
            HeadersChecks.Finding(result, "cookies.not_secure").Message);
        Assert.Equal($"{server.Url()} sets 2 cookies (prefs, csrf) without HttpOnly: page scripts, and so injected scripts, can read them", HeadersChecks.Finding(result, "cookies.not_httponly").Message);
        Assert.Equal($"{server.Url()} sets the cookie prefs without a valid SameSite (Strict, Lax or None): cross-site requests get the browser's default", HeadersChecks.Finding(result, "cookies.no_samesite").Message);
        var evidence = HeadersChecks.Finding(result, "cookies.not_secure").Evidence!;
        Assert.Contains(new KeyValuePair<string, string>("< Set-Cookie", "session=(redacted); Path=/; Secure; HttpOnly; SameSite=Lax"), evidence);
        Assert.DoesNotContain(evidence, e => e.Value.Contains("s3cret", StringComparison.Ordinal) || e.Value.Contains("t0ken", StringComparison.Ordinal));
        Assert.DoesNotContain("s3cret", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CookiesOverPlainHttp_AreNotJudged()
    {
        await using var server = await HeaderServer.StartAsync(c => HeaderServer.Add(c, "Set-Cookie", "prefs=dark"));

        var result = await HeadersChecks.RunAsync(server.Url(), Requiring("cookies"));

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task RunAsync_SeverityOverride_RaisesOrTurnsOffAnId()
    {
        await using var server = await HeaderServer.StartAsync();
        var section = Requiring("nosniff", "csp");
        section["severity"] = new JsonObject { ["headers.csp_missing"] = "critical", ["headers.nosniff_missing"] = "off" };

        var result = await HeadersChecks.RunAsync(server.Url(), section);

        Assert.Equal(["headers.csp_missing"], HeadersChecks.Ids(result));
        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal($"1 finding at or above critical: headers.csp_missing", result.Failure!.Message);
    }

    [Theory]
    [InlineData("warning", ProbeStatus.Down)]
    [InlineData("critical", ProbeStatus.Degraded)]
    [InlineData("info", ProbeStatus.Down)]
    public async Task RunAsync_FailOn_DecidesBetweenDownAndDegraded(string failOn, ProbeStatus expected)
    {
        await using var server = await HeaderServer.StartAsync();
        var section = Requiring("nosniff");
        section["failOn"] = failOn;

        var result = await HeadersChecks.RunAsync(server.Url(), section);

        Assert.Equal(expected, result.Status);
        Assert.Equal("audit_finding", result.Problems.Single().Category);
    }
}
