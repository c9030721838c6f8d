using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sentinel.Probes.Tests.Headers;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// Plain-HTTP redirect chains, against a real plain-HTTP server answering for both of the site's names: whether plain
/// HTTP reaches HTTPS is judged where the chain of plain-HTTP redirects ends, as a browser lands; hstspreload.org's
/// stricter rule (the first redirect goes to HTTPS on the same host) decides preloading only.
/// </summary>
public sealed class HstsRedirectChainTests(HstsSite site) : IClassFixture<HstsSite>
{
    private const string Ready = "max-age=31536000; includeSubDomains; preload";
    private const string Www = "www." + HstsSite.Domain;

    /// <summary>A plain-HTTP server: the apex redirects to the www name on plain HTTP, and www answers with <paramref name="www"/>.</summary>
    private static Task<HeaderServer> ApexToWwwAsync(Action<HttpContext> www) => HeaderServer.StartAsync(c =>
    {
        if (c.Request.Host.Host == HstsSite.Domain)
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = $"http://{Www}:{c.Request.Host.Port}{c.Request.Path}";
        }
        else
        {
            www(c);
        }
    }, host: HstsSite.Domain);

    [Fact]
    public async Task RunAsync_PlainToPlainToHttps_IsRedirectedButNotPreloadReady()
    {
        var path = site.PathFor(Ready);
        await using var plain = await ApexToWwwAsync(c =>
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = site.HttpsUrl(c.Request.Path, Www);
        });
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = plain.Url(path) }));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal($"sentinel.test is not ready for the HSTS preload list: {plain.Url(path)} redirects to http://{Www}:{plain.Port}{path} first; it must redirect to HTTPS on sentinel.test itself before adding www, so that browsers record the policy of sentinel.test [redirects.http.www_first]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
        Assert.Equal(2, plain.Requests.Count(r => r.Path == path));
    }

    [Fact]
    public async Task RunAsync_PlainHttpTargetFollowedThroughPlainToPlainToHttps_IsRedirected()
    {
        var path = site.PathFor("max-age=31536000");
        await using var plain = await ApexToWwwAsync(c =>
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = site.HttpsUrl(c.Request.Path, Www);
        });
        var section = site.Section(path);
        section.Remove("hsts");

        var result = await HeadersChecks.RunAsync(site.Parse(plain.Url(path), section));

        Assert.Empty(HeadersChecks.Ids(result, "hsts."));
        Assert.Equal(31536000, result.Measurements["audit.hsts_max_age"].Number);

        // The check's own hops were the plain-HTTP leg: the audit sent nothing more there.
        Assert.Equal(2, plain.Requests.Count(r => r.Path == path));
    }

    [Fact]
    public async Task RunAsync_PlainToPlainThatAnswers_IsNotRedirectedNamingTheChain()
    {
        var path = site.PathFor("max-age=31536000");
        await using var plain = await ApexToWwwAsync(_ => { });
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = plain.Url(path) }));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.http_not_redirected"], HeadersChecks.Ids(result, "hsts."));
        var finding = HeadersChecks.Finding(result, "hsts.http_not_redirected");
        Assert.Equal($"{plain.Url(path)} redirects on plain HTTP to http://{Www}:{plain.Port}{path}, which answered 200 OK without redirecting to HTTPS", finding.Message);
        Assert.Equal(new KeyValuePair<string, string>("redirects", $"{plain.Url(path)} → http://{Www}:{plain.Port}{path}"), finding.Evidence![0]);
    }

    [Fact]
    public async Task RunAsync_PlainRedirectLoop_IsNotRedirected()
    {
        var path = site.PathFor("max-age=31536000");
        await using var plain = await ApexToWwwAsync(c =>
        {
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = $"http://{HstsSite.Domain}:{c.Request.Host.Port}{c.Request.Path}";
        });
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = plain.Url(path) }));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal($"{plain.Url(path)} redirects in a loop on plain HTTP without reaching HTTPS: {plain.Url(path)} → http://{Www}:{plain.Port}{path} → {plain.Url(path)}",
            HeadersChecks.Finding(result, "hsts.http_not_redirected").Message);
    }

    [Fact]
    public async Task RunAsync_EndlessPlainRedirects_StopsAfterFiveAndIsNotRedirected()
    {
        var path = site.PathFor("max-age=31536000");
        await using var plain = await HeaderServer.StartAsync(c =>
        {
            c.Response.StatusCode = 301;
            c.Response.Headers.Location = $"{c.Request.Path}/next";
        }, host: HstsSite.Domain);
        var check = site.Parse(site.HttpsUrl(path), site.Section(path, new JsonObject { ["httpUrl"] = plain.Url(path) }));

        var result = await HeadersChecks.RunAsync(check);

        Assert.StartsWith($"{plain.Url(path)} redirects more than 5 times on plain HTTP without reaching HTTPS: {plain.Url(path)} → ",
            HeadersChecks.Finding(result, "hsts.http_not_redirected").Message, StringComparison.Ordinal);
        Assert.Equal(6, plain.Requests.Count(r => r.Path.StartsWith(path, StringComparison.Ordinal)));
    }
}
