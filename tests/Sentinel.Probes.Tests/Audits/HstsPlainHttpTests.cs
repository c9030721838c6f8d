using System.Text.Json.Nodes;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Headers;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;
using Sentinel.Probes.Tests.Headers;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

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
        await using var plain = await HeaderServer.StartAsync(host: HstsSite.Domain);
        var path = site.PathFor(Ready);
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = plain.Url(path) }));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.http_not_redirected", "hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal($"{plain.Url(path)} answered 200 OK without redirecting to HTTPS", HeadersChecks.Finding(result, "hsts.http_not_redirected").Message);
        Assert.Equal($"sentinel.test is not ready for the HSTS preload list: {plain.Url(path)} does not redirect to HTTPS (it answers 200 OK) [redirects.http.no_redirect]", HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    [Fact]
    public async Task RunAsync_PlainUrlRefused_IsOnlyInfoAndPreloadStaysReady()
    {
        var port = TcpPorts.Closed();
        var path = site.PathFor(Ready);
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = $"http://{HstsSite.Domain}:{port}/" }));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.http_unreachable", "hsts.preload_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.StartsWith($"http://sentinel.test:{port}/ did not answer (tcp_refused: ", HeadersChecks.Finding(result, "hsts.http_unreachable").Message, StringComparison.Ordinal);
        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_PlainUrlNeverAnswers_GivesUpWithinItsShareOfTheTimeout()
    {
        await using var silent = RawHttpServer.Start((_, ct) => RawHttpServer.HoldAsync(ct));
        var path = site.PathFor("max-age=31536000");
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = $"http://{HstsSite.Domain}:{silent.EndPoint.Port}/" }), timeout: "2s");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.http_unreachable"], HeadersChecks.Ids(result, "hsts."));
        Assert.Contains("no answer within 500ms, the share of the check's timeout this request may take", HeadersChecks.Finding(result, "hsts.http_unreachable").Message, StringComparison.Ordinal);
        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.True(result.Duration < TimeSpan.FromSeconds(2), result.Duration.ToString());
    }

    [Fact]
    public async Task RunAsync_PlainUrlRedirectsToWwwFirst_IsNotPreloadReady()
    {
        await using var plain = await HeaderServer.StartAsync(c =>
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = $"https://www.{HstsSite.Domain}:{site.Https.Port}/";
        }, host: HstsSite.Domain);
        var path = site.PathFor(Ready);
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = plain.Url() }));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal($"sentinel.test is not ready for the HSTS preload list: {plain.Url()} redirects to https://www.sentinel.test:{site.Https.Port}/ first; it must redirect to HTTPS on sentinel.test itself before adding www, so that browsers record the policy of sentinel.test [redirects.http.www_first]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    [Fact]
    public async Task RunAsync_PlainRedirectCarriesTheHeader_IsOverHttp()
    {
        await using var plain = await HeaderServer.StartAsync(c =>
        {
            c.Response.StatusCode = 308;
            c.Response.Headers.Location = $"https://{HstsSite.Domain}:{site.Https.Port}/";
            HeaderServer.Add(c, "Strict-Transport-Security", "max-age=31536000");
        }, host: HstsSite.Domain);
        var path = site.PathFor("max-age=31536000");
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = plain.Url() }));

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
        var check = site.Parse(site.PlainUrl(path), section);

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
        var check = site.Parse(site.PlainUrl(path), section);

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.max_age_short"], HeadersChecks.Ids(result, "hsts."));
        var audit = (AuditDetails)((HttpDetails)result.Details!).Audit!;
        Assert.Contains(audit.Exchanges, e => e.Request.Purpose == "the HTTPS URL the plain-HTTP target redirects to" && e.Response?.Status == 200);
    }

    [Fact]
    public async Task RunAsync_PlainHttpTargetNotFollowedToAnotherHost_ReadsThePolicyWithoutTheCheckHeaders()
    {
        var path = site.PathFor("max-age=600");
        await using var plain = await HeaderServer.StartAsync(c =>
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = site.HttpsUrl(c.Request.Path, $"www.{HstsSite.Domain}");
        }, host: HstsSite.Domain);
        var section = site.Section(path);
        section.Remove("hsts");
        section["followRedirects"] = false;
        section["expectStatus"] = new JsonArray(301);
        section["headers"] = new JsonObject { ["Authorization"] = "Bearer s3cret" };

        var result = await HeadersChecks.RunAsync(site.Parse(plain.Url(path), section));

        Assert.Equal(["hsts.max_age_short"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal("Bearer s3cret", plain.Requests[0].Header("Authorization"));
        Assert.Null(Assert.Single(site.Https.Requests, r => r.Path == path).Header("Authorization"));
    }

    [Fact]
    public async Task RunAsync_IpAddressTarget_CannotBePreloaded()
    {
        var path = site.PathFor(Ready);
        var section = site.Section(path);
        var check = site.Parse($"https://127.0.0.1:{site.Https.Port}{path}", section);

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal("127.0.0.1 is not ready for the HSTS preload list: 127.0.0.1 is an IP address; only domain names can be preloaded [domain.format.is_ip_address]", HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    [Fact]
    public async Task RunAsync_DefaultPlainUrl_IsTheTargetOnPort80()
    {
        var path = site.PathFor("max-age=31536000");
        var section = site.Section(path);
        section["hsts"]!.AsObject().Remove("httpUrl");
        var check = site.Parse(site.HttpsUrl(path), section);

        var result = await HeadersChecks.RunAsync(check);

        var audit = (AuditDetails)((HttpDetails)result.Details!).Audit!;
        Assert.Contains(audit.Exchanges, e => e.Request.Url.ToString() == $"http://sentinel.test{path}");
    }

    [Fact]
    public async Task RunAsync_HstsDisabled_SendsNoPlainRequestAndReportsNothing()
    {
        var path = site.PathFor();
        var requests = site.Plain.Requests.Count;
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["enabled"] = false }));
        var section = check.SectionAs<HeadersSection>()!;

        var result = await HeadersChecks.RunAsync(check);

        Assert.False(section.Audit.Hsts.Enabled);
        Assert.Empty(HeadersChecks.Ids(result, "hsts."));
        Assert.DoesNotContain(site.Plain.Requests.Skip(requests), r => r.Path == path);
    }

    [Fact]
    public async Task RunAsync_CheckWithCredentials_SendsNoneOfItsHeadersToThePlainHttpUrl()
    {
        var path = site.PathFor(Ready);
        var section = site.Section(path);
        section["headers"] = new JsonObject { ["Authorization"] = "Bearer s3cret", ["Cookie"] = "session=s3cret", ["X-Tenant"] = "blue" };
        var check = site.Parse(site.HttpsUrl(path), section);

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.preload_ready"], HeadersChecks.Ids(result, "hsts."));
        var plain = Assert.Single(site.Plain.Requests, r => r.Path == path);
        Assert.Null(plain.Header("Authorization"));
        Assert.Null(plain.Header("Cookie"));
        Assert.Null(plain.Header("X-Tenant"));

        // The check's own request over HTTPS carries them, as configured.
        Assert.Equal("Bearer s3cret", site.Https.Requests.First(r => r.Path == path).Header("Authorization"));
    }

    [Fact]
    public async Task RunAsync_AuditStoppedBeforeThePlainRequest_IsNotPreloadReady()
    {
        var path = site.PathFor(Ready);
        site.AbortCorsRequests(path);
        var check = site.Parse(site.HttpsUrl(path), site.Section(path));

        var result = await HeadersChecks.RunAsync(check);

        Assert.DoesNotContain(site.Plain.Requests, r => r.Path == path);
        Assert.Equal(["hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.StartsWith($"sentinel.test is not ready for the HSTS preload list: the plain-HTTP redirect was not checked (the audit stopped before it: the request with the made-up Origin: {HeadersChecks.HostileOrigin()} failed (",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message, StringComparison.Ordinal);
    }
}
