using System.Text.Json.Nodes;
using Sentinel.Probes.Headers;
using Sentinel.Probes.Http;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Headers;

/// <summary>
/// The plain-HTTP side of HSTS, against real servers: the redirect to HTTPS (same host first, for preloading), a
/// plain-HTTP URL that answers without redirecting, that does not answer at all or never finishes, and plain-HTTP
/// targets, whose redirect chain leads to the HTTPS response the policy is read from.
/// </summary>
public sealed class HstsPlainHttpTests(HstsSite site) : IClassFixture<HstsSite>
{
    private const string Ready = "max-age=31536000; includeSubDomains; preload";

    [Fact]
    public async Task RunAsync_PlainUrlAnswersWithoutRedirect_IsNotRedirectedAndNotPreloadReady()
    {
        await using var plain = await HeaderServer.StartAsync(host: "localhost");
        var path = site.PathFor(Ready);
        var check = HeadersChecks.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = $"http://localhost:{plain.Port}{path}" }), ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.http_not_redirected", "hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal($"http://localhost:{plain.Port}{path} answered 200 OK without redirecting to HTTPS", HeadersChecks.Finding(result, "hsts.http_not_redirected").Message);
        Assert.Equal($"localhost is not ready for the HSTS preload list: http://localhost:{plain.Port}{path} does not redirect to HTTPS", HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    [Fact]
    public async Task RunAsync_PlainUrlRefused_IsOnlyInfoAndPreloadStaysReady()
    {
        var port = TcpPorts.Closed();
        var path = site.PathFor(Ready);
        var check = HeadersChecks.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = $"http://localhost:{port}/" }), ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.http_unreachable", "hsts.preload_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.StartsWith($"http://localhost:{port}/ did not answer (tcp_refused: ", HeadersChecks.Finding(result, "hsts.http_unreachable").Message, StringComparison.Ordinal);
        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_PlainUrlNeverAnswers_GivesUpWithinItsShareOfTheTimeout()
    {
        await using var silent = RawHttpServer.Start((_, ct) => RawHttpServer.HoldAsync(ct));
        var path = site.PathFor("max-age=31536000");
        var check = HeadersChecks.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = $"http://localhost:{silent.EndPoint.Port}/" }), timeout: "2s", ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.http_unreachable"], HeadersChecks.Ids(result, "hsts."));
        Assert.Contains("no answer within 500ms, the share of the check's timeout this request may take", HeadersChecks.Finding(result, "hsts.http_unreachable").Message, StringComparison.Ordinal);
        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.True(result.Duration < TimeSpan.FromSeconds(2), result.Duration.ToString());
    }

    [Fact]
    public async Task RunAsync_PlainUrlRedirectsToAnotherHostFirst_IsNotPreloadReady()
    {
        await using var plain = await HeaderServer.StartAsync(c =>
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = $"https://127.0.0.1:{site.Https.Port}/";
        }, host: "localhost");
        var path = site.PathFor(Ready);
        var check = HeadersChecks.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = $"http://localhost:{plain.Port}/" }), ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Contains($"redirects to https://127.0.0.1:{site.Https.Port}/ first; it must redirect to HTTPS on the same host (localhost) before any other", HeadersChecks.Finding(result, "hsts.preload_not_ready").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PlainRedirectCarriesTheHeader_IsOverHttp()
    {
        await using var plain = await HeaderServer.StartAsync(c =>
        {
            c.Response.StatusCode = 308;
            c.Response.Headers.Location = $"https://localhost:{site.Https.Port}/";
            HeaderServer.Add(c, "Strict-Transport-Security", "max-age=31536000");
        }, host: "localhost");
        var path = site.PathFor("max-age=31536000");
        var check = HeadersChecks.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = $"http://localhost:{plain.Port}/" }), ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.over_http"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal(FindingSeverity.Info, HeadersChecks.Finding(result, "hsts.over_http").Severity);
    }

    [Fact]
    public async Task RunAsync_PlainHttpTargetNotRedirecting_ReportsHeaderIgnoredAndNoRedirect()
    {
        await using var plain = await HeaderServer.StartAsync(c => HeaderServer.Add(c, "Strict-Transport-Security", "max-age=31536000"));

        var result = await HeadersChecks.RunAsync(plain.Url("/page"), new JsonObject { ["cors"] = new JsonObject { ["enabled"] = false } });

        Assert.Equal(["hsts.http_not_redirected", "hsts.over_http"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal($"{plain.Url("/page")} sends Strict-Transport-Security (\"max-age=31536000\") over plain HTTP, where browsers ignore it (RFC 6797, 8.1)", HeadersChecks.Finding(result, "hsts.over_http").Message);
        Assert.Single(plain.Requests);
    }

    [Fact]
    public async Task RunAsync_PlainHttpTargetRedirectingToHttps_ReadsThePolicyOfTheHttpsResponse()
    {
        var path = site.PathFor("max-age=600");
        var section = site.Section(path);
        section.Remove("hsts");
        var check = HeadersChecks.Parse($"http://localhost:{site.Plain.Port}{path}", section, ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.max_age_short"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal(600, result.Measurements["audit.hsts_max_age"].Number);
    }

    [Fact]
    public async Task RunAsync_PlainHttpTargetNotFollowed_FetchesTheHttpsUrlOnceToReadThePolicy()
    {
        var path = site.PathFor("max-age=600");
        var section = site.Section(path);
        section.Remove("hsts");
        section["followRedirects"] = false;
        section["expectStatus"] = new JsonArray(301);
        var check = HeadersChecks.Parse($"http://localhost:{site.Plain.Port}{path}", section, ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.max_age_short"], HeadersChecks.Ids(result, "hsts."));
        var audit = ((HttpDetails)result.Details!).Audit!;
        Assert.Contains(audit.Exchanges, e => e.Request.Purpose == "the HTTPS URL the plain-HTTP target redirects to" && e.Response?.Status == 200);
    }

    [Fact]
    public async Task RunAsync_IpAddressTarget_CannotBePreloaded()
    {
        var path = site.PathFor(Ready);
        var section = site.Section(path);
        var check = HeadersChecks.Parse($"https://127.0.0.1:{site.Https.Port}{path}", section);

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal("127.0.0.1 is not ready for the HSTS preload list: 127.0.0.1 is an IP address; only domain names can be preloaded", HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    [Fact]
    public async Task RunAsync_DefaultPlainUrl_IsTheTargetOnPort80()
    {
        var path = site.PathFor("max-age=31536000");
        var section = site.Section(path);
        section["hsts"]!.AsObject().Remove("httpUrl");
        var check = HeadersChecks.Parse(site.HttpsUrl(path), section, ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        var audit = ((HttpDetails)result.Details!).Audit!;
        Assert.Contains(audit.Exchanges, e => e.Request.Url.ToString() == $"http://localhost{path}");
    }

    [Fact]
    public async Task RunAsync_HstsDisabled_SendsNoPlainRequestAndReportsNothing()
    {
        var path = site.PathFor();
        var requests = site.Plain.Requests.Count;
        var check = HeadersChecks.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["enabled"] = false }), ipVersion: "ipv4");
        var section = check.SectionAs<HeadersSection>()!;

        var result = await HeadersChecks.RunAsync(check);

        Assert.False(section.Http.Audit!.Hsts.Enabled);
        Assert.Empty(HeadersChecks.Ids(result, "hsts."));
        Assert.DoesNotContain(site.Plain.Requests.Skip(requests), r => r.Path == path);
    }
}
