using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary><c>sentinel probe headers URL</c>, run in-process against real HTTP(S) servers on loopback.</summary>
public sealed class ProbeHeadersCommandTests
{
    private const string App = "https://app.example.com";

    [Fact]
    public async Task ProbeHeaders_ReflectsAnyOriginWithCredentials_ExitsOneShowingTheRequestAndResponse()
    {
        await using var server = await HeaderServer.StartAsync(ReflectAnyOrigin);

        var (code, output, errors) = await RunAsync("probe", "headers", server.Url("/api/me"), "--origin", App, "--credentials", "--no-http-redirect");

        Assert.True(code == 1, errors + output);
        var block = Block(output, "cors.reflects_any_origin_with_credentials");
        Assert.Matches(@"> Origin: +https://[a-z0-9]+\.invalid\n", block);
        Assert.Matches(@"< Access-Control-Allow-Origin: +https://[a-z0-9]+\.invalid\n", block);
        Assert.Matches(@"< Access-Control-Allow-Credentials: +true\n", block);
        Assert.Contains($"GET {server.Url("/api/me")}", block, StringComparison.Ordinal);
        Assert.Contains("hint: ", block, StringComparison.Ordinal);
        Assert.Contains("FAILURE audit_finding (audit): ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeHeaders_AllowListServer_ExitsZeroWithoutCorsFindings()
    {
        await using var server = await HeaderServer.StartAsync(AllowList);

        var (code, output, errors) = await RunAsync("probe", "headers", server.Url("/api/me"), "--origin", App, "--credentials", "--no-http-redirect", "--json");

        Assert.True(code == 0, errors + output);
        var json = JsonDocument.Parse(output).RootElement;
        var ids = json.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain(ids, id => id!.StartsWith("cors.", StringComparison.Ordinal));
        // The audit really sent the allowed origin, a made-up one and null.
        var origins = server.Requests.Select(r => r.Header("Origin")).Where(o => o is not null).ToHashSet();
        Assert.Contains(App, origins);
        Assert.Contains("null", origins);
        Assert.Contains(origins, o => o!.EndsWith(".invalid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProbeHeaders_FailOnWarning_TurnsAWarningIntoAFailure()
    {
        await using var server = await HeaderServer.StartAsync(AllowList);

        var (relaxed, _, _) = await RunAsync("probe", "headers", server.Url("/"), "--security-headers", "--no-http-redirect");
        var (strict, output, _) = await RunAsync("probe", "headers", server.Url("/"), "--security-headers", "--no-http-redirect", "--fail-on", "warning");

        Assert.Equal(0, relaxed);
        Assert.Equal(1, strict);
        Assert.Contains("headers.nosniff_missing", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeHeaders_CredentialHeaders_AreNotSentToThePlainHttpUrl()
    {
        using var directory = new TempDirectory("sentinel-cli-headers");
        using var ca = TestCertificateAuthority.Create("Sentinel CLI Headers Test");
        var caFile = directory.Write("root.pem", ca.RootPem);
        await using var https = await HeaderServer.StartAsync(c => HeaderServer.Add(c, "Strict-Transport-Security", "max-age=31536000"), ca.Issue(new CertificateSpec { IpAddresses = [IPAddress.Loopback] }));
        await using var plain = await HeaderServer.StartAsync(c =>
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = https.Url("/");
        });

        var (code, output, errors) = await RunAsync("probe", "headers", https.Url("/"), "-H", "Authorization: Bearer SECRET", "-H", "Cookie: session=SECRET", "--http-url", plain.Url("/"), "--cacert", caFile);

        Assert.True(code == 0, errors + output);
        var request = Assert.Single(plain.Requests);
        Assert.Null(request.Header("Authorization"));
        Assert.Null(request.Header("Cookie"));
        Assert.Equal("Bearer SECRET", https.Requests[0].Header("Authorization"));
        Assert.DoesNotContain("SECRET", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "probe", "headers", "ftp://example.com/" }, "target")]
    [InlineData(new[] { "probe", "headers", "http://127.0.0.1:1/", "--fail-on", "fatal" }, "--fail-on")]
    [InlineData(new[] { "probe", "headers", "http://127.0.0.1:1/", "--origin", "app.example.com" }, "--origin")]
    [InlineData(new[] { "probe", "headers", "http://127.0.0.1:1/", "--method", "GE T" }, "--method")]
    [InlineData(new[] { "probe", "headers", "http://127.0.0.1:1/", "--min-max-age", "forever" }, "--min-max-age")]
    [InlineData(new[] { "probe", "headers", "http://127.0.0.1:1/", "-H", "novalue" }, "--header")]
    [InlineData(new[] { "probe", "headers", "http://127.0.0.1:1/", "-H", "Host: bad host" }, "--header (Host)")]
    [InlineData(new[] { "probe", "headers", "http://127.0.0.1:1/", "--cors-header", "X Bad" }, "--cors-header")]
    public async Task ProbeHeaders_BadFlags_ExitTwoNamingTheFlag(string[] args, string flag)
    {
        var (code, output, errors) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith($"sentinel: {flag}: ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    private static void ReflectAnyOrigin(HttpContext context)
    {
        if (context.Request.Headers.Origin.ToString() is { Length: > 0 } origin)
        {
            HeaderServer.Add(context, "Access-Control-Allow-Origin", origin);
            HeaderServer.Add(context, "Access-Control-Allow-Credentials", "true");
            HeaderServer.Add(context, "Vary", "Origin");
        }
    }

    private static void AllowList(HttpContext context)
    {
        HeaderServer.Add(context, "Vary", "Origin");
        if (context.Request.Headers.Origin.ToString() == App)
        {
            HeaderServer.Add(context, "Access-Control-Allow-Origin", App);
            HeaderServer.Add(context, "Access-Control-Allow-Credentials", "true");
        }
    }

    // The finding's block: from its id to the next blank line.
    private static string Block(string output, string id)
    {
        var start = output.IndexOf(id, StringComparison.Ordinal);
        Assert.True(start >= 0, output);
        var end = output.IndexOf("\n\n", start, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..(end + 1)];
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var errors = new StringWriter { NewLine = "\n" };
        var code = await SentinelCli.InvokeAsync(args, output, errors, TestContext.Current.CancellationToken);
        return (code, output.ToString(), errors.ToString());
    }
}
