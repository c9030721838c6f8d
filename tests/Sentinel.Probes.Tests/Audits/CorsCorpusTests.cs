using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Tests.Headers;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// The CORS corpus: a real server configured each way an application gets CORS right or wrong, audited by a headers
/// check that allows https://app.example.com with credentials, PUT and the headers X-Requested-With and
/// Content-Type. Each case must report exactly the cors.* ids listed, and a correct configuration none.
/// </summary>
public sealed class CorsCorpusTests
{
    private const string App = CorsServerPolicy.App;

    private static readonly Dictionary<string, (Action<HttpContext> Server, string Expected)> Cases = new()
    {
        ["correct allow-list with credentials"] = (new CorsServerPolicy().Respond, ""),
        ["allow-list of another origin"] = (new CorsServerPolicy { Allowed = ["https://other.example.com"] }.Respond, "cors.allowed_origin_rejected cors.preflight_failed"),
        ["no CORS headers at all"] = (_ => { }, "cors.allowed_origin_rejected cors.preflight_failed"),
        ["allowed origin without Access-Control-Allow-Credentials"] = (new CorsServerPolicy { Credentials = false }.Respond, "cors.allowed_origin_rejected cors.preflight_failed"),
        ["two Access-Control-Allow-Origin fields"] = (c => { HeaderServer.Add(c, "Access-Control-Allow-Origin", App); new CorsServerPolicy().Respond(c); }, "cors.allowed_origin_rejected cors.preflight_failed"),
        ["preflight answers 405"] = (new CorsServerPolicy { PreflightStatus = 405 }.Respond, "cors.preflight_failed"),
        ["preflight without PUT"] = (new CorsServerPolicy { AllowMethods = "GET, POST" }.Respond, "cors.preflight_failed"),
        ["preflight with put in lower case"] = (new CorsServerPolicy { AllowMethods = "get, post, put" }.Respond, "cors.preflight_failed"),
        ["preflight without the request headers"] = (new CorsServerPolicy { AllowHeaders = "content-type" }.Respond, "cors.preflight_failed"),
        ["preflight needing a cookie"] = (new CorsServerPolicy { PreflightNeedsCookie = true }.Respond, "cors.preflight_failed"),
        ["wildcard with credentials"] = (new CorsServerPolicy { Wildcard = true }.Respond, "cors.preflight_failed cors.wildcard_with_credentials"),
        ["reflects any origin"] = (new CorsServerPolicy { ReflectAny = true, Credentials = false }.Respond, "cors.allowed_origin_rejected cors.allows_null_origin cors.preflight_failed cors.reflects_any_origin"),
        ["reflects any origin with credentials"] = (new CorsServerPolicy { ReflectAny = true }.Respond, "cors.allows_null_origin cors.reflects_any_origin_with_credentials"),
        ["prefix match"] = (new CorsServerPolicy { PrefixMatch = true }.Respond, "cors.reflects_lookalike_origin"),
        ["allows null with credentials"] = (new CorsServerPolicy { AllowNull = true }.Respond, "cors.allows_null_origin"),
        ["no Vary: Origin"] = (new CorsServerPolicy { Vary = false }.Respond, "cors.missing_vary_origin"),
        ["no Vary but no-store"] = (c => { new CorsServerPolicy { Vary = false }.Respond(c); HeaderServer.Add(c, "Cache-Control", "no-store"); }, ""),
        ["Access-Control-Allow-Credentials: True"] = (new CorsServerPolicy { CredentialsValue = "True" }.Respond, "cors.credentials_invalid cors.preflight_failed"),
        ["Access-Control-Max-Age of a week"] = (new CorsServerPolicy { MaxAge = "604800" }.Respond, "cors.max_age_excessive"),
    };

    public static TheoryData<string> Names() => new(Cases.Keys);

    private static JsonObject Section(bool credentials = true) => new()
    {
        ["headers"] = new JsonObject { ["Cookie"] = "session=s3cret" },
        ["hsts"] = new JsonObject { ["enabled"] = false },
        ["cors"] = new JsonObject
        {
            ["origins"] = new JsonArray(App),
            ["methods"] = new JsonArray("GET", "PUT"),
            ["headers"] = new JsonArray("X-Requested-With", "Content-Type"),
            ["credentials"] = credentials,
        },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task RunAsync_ServerConfiguredThisWay_ReportsExactlyTheseIds(string name)
    {
        var (respond, expected) = Cases[name];
        await using var server = await HeaderServer.StartAsync(respond);
        var check = HeadersChecks.Parse(server.Url("/api/me"), Section());

        var result = await HeadersChecks.RunAsync(check);

        Assert.True(result.Phases.Count > 0 && result.Failure?.Layer is null or "audit", HeadersChecks.Report(check, result));
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), HeadersChecks.Ids(result, "cors."));
    }

    [Fact]
    public async Task RunAsync_PublicApiWithWildcardAndNoCredentials_ReportsNothing()
    {
        await using var server = await HeaderServer.StartAsync(new CorsServerPolicy { Wildcard = true, Credentials = false, Vary = false }.Respond);
        var section = Section(credentials: false);
        section.Remove("headers");

        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url("/public"), section));

        Assert.Empty(HeadersChecks.Ids(result, "cors."));
        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_ReflectsWithCredentials_FailsWithTheRequestAndResponseAsEvidence()
    {
        await using var server = await HeaderServer.StartAsync(new CorsServerPolicy { ReflectAny = true }.Respond);
        var check = HeadersChecks.Parse(server.Url("/api/me"), Section());
        var hostile = HeadersChecks.HostileOrigin();

        var result = await HeadersChecks.RunAsync(check);

        var finding = HeadersChecks.Finding(result, "cors.reflects_any_origin_with_credentials");
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Equal($"{server.Url("/api/me")} echoes the made-up Origin: {hostile} in Access-Control-Allow-Origin with Access-Control-Allow-Credentials: true: any website a signed-in user visits can read their authenticated responses", finding.Message);
        Assert.Equal(
        [
            new("request", $"GET {server.Url("/api/me")}"),
            new("> Host", $"127.0.0.1:{server.Port}"),
            new("> Cookie", "(redacted)"),
            new("> Origin", hostile),
            new("> User-Agent", "Sentinel/1 (synthetic monitoring)"),
            new("> Accept-Encoding", "gzip, deflate, br"),
            new("> Accept", "*/*"),
            new("response", "200 OK"),
            new("< Access-Control-Allow-Origin", hostile),
            new("< Access-Control-Allow-Credentials", "true"),
            new("< Vary", "Origin"),
        ], finding.Evidence!);
        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal("audit_finding", result.Failure!.Category);
        Assert.StartsWith("2 findings at or above critical: cors.reflects_any_origin_with_credentials, cors.allows_null_origin", result.Failure.Message, StringComparison.Ordinal);

        // The hostile request carried the check's cookie, as an attacker's page would make the browser send it.
        var sent = server.Requests.Single(r => r.Method == "GET" && r.Header("Origin") == hostile);
        Assert.Equal("session=s3cret", sent.Header("Cookie"));
    }

    [Fact]
    public async Task RunAsync_Preflight_IsARealOptionsRequestWithoutCredentials()
    {
        await using var server = await HeaderServer.StartAsync(new CorsServerPolicy().Respond);
        var section = Section();
        section["headers"]!["Authorization"] = "Bearer s3cret";

        await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url("/api/me"), section));

        var preflight = server.Requests.Single(r => r.Method == "OPTIONS" && r.Header("Origin") == App);
        Assert.Equal("PUT", preflight.Header("Access-Control-Request-Method"));
        Assert.Equal("content-type,x-requested-with", preflight.Header("Access-Control-Request-Headers"));
        Assert.Null(preflight.Header("Cookie"));
        Assert.Null(preflight.Header("Authorization"));
        var hostilePreflight = Assert.Single(server.Requests, r => r.Method == "OPTIONS" && r.Header("Origin") == HeadersChecks.HostileOrigin());
        Assert.Null(hostilePreflight.Header("Cookie"));
        Assert.Null(hostilePreflight.Header("Authorization"));
        Assert.Contains(server.Requests, r => r.Method == "GET" && r.Header("Origin") == "null");
        Assert.Contains(server.Requests, r => r.Method == "GET" && r.Header("Origin")?.StartsWith(App + ".", StringComparison.Ordinal) == true && r.Header("Origin")!.EndsWith(".invalid", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("preflight without PUT", "the preflight for PUT from https://app.example.com to {url} fails: Access-Control-Allow-Methods is \"GET, POST\", without PUT")]
    [InlineData("preflight with put in lower case", "the preflight for PUT from https://app.example.com to {url} fails: Access-Control-Allow-Methods is \"get, post, put\", without PUT (methods are compared case-sensitively)")]
    [InlineData("preflight answers 405", "the preflight for PUT from https://app.example.com to {url} fails: it answered 405 Method Not Allowed, and a preflight must answer 2xx")]
    [InlineData("preflight without the request headers", "the preflight for PUT from https://app.example.com to {url} fails: Access-Control-Allow-Headers is \"content-type\", without x-requested-with")]
    [InlineData("allowed origin without Access-Control-Allow-Credentials", "https://app.example.com does not get access to {url}: it sent no Access-Control-Allow-Credentials: true, so browsers withhold the response from requests with credentials")]
    [InlineData("allow-list of another origin", "https://app.example.com does not get access to {url}: it answered 200 OK without Access-Control-Allow-Origin")]
    public async Task RunAsync_Misconfigured_MessageNamesTheValuesSeen(string name, string expected)
    {
        await using var server = await HeaderServer.StartAsync(Cases[name].Server);

        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url("/api/me"), Section()));

        Assert.Contains(expected.Replace("{url}", server.Url("/api/me"), StringComparison.Ordinal), result.Findings.Select(f => f.Message));
    }

    [Fact]
    public async Task RunAsync_WildcardWithCredentialsButTheCheckSendsNone_IsOnlyAWarning()
    {
        await using var server = await HeaderServer.StartAsync(new CorsServerPolicy { Wildcard = true }.Respond);
        var section = Section(credentials: false);
        section["cors"]!.AsObject().Remove("methods");
        section["cors"]!.AsObject().Remove("headers");

        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url("/"), section));

        Assert.Equal(FindingSeverity.Warning, HeadersChecks.Finding(result, "cors.wildcard_with_credentials").Severity);
        Assert.Equal(ProbeStatus.Degraded, result.Status);
    }

    [Fact]
    public async Task RunAsync_NoOriginsConfigured_StillTriesTheMadeUpOriginAndNull()
    {
        await using var server = await HeaderServer.StartAsync(new CorsServerPolicy { ReflectAny = true, Credentials = false }.Respond);

        var result = await HeadersChecks.RunAsync(HeadersChecks.Parse(server.Url("/"), new JsonObject { ["hsts"] = new JsonObject { ["enabled"] = false } }));

        Assert.Equal(["cors.allows_null_origin", "cors.reflects_any_origin"], HeadersChecks.Ids(result, "cors."));
        Assert.Equal(3, server.Requests.Count);
    }
}
