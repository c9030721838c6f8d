using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>The check's credential headers go to the origin of its URL only, as curl and Go's client send them.</summary>
public sealed class HttpRedirectCredentialsTests
{
    private static JsonObject Credentials() => new()
    {
        ["headers"] = new JsonObject
        {
            ["Authorization"] = "Bearer SECRET",
            ["Cookie"] = "session=SECRET",
            ["Proxy-Authorization"] = "Basic SECRET",
            ["X-Api-Key"] = "SECRET",
            ["X-Probe"] = "sentinel",
        },
    };

    [Fact]
    public async Task RunAsync_RedirectToAnotherOrigin_WithholdsCredentialHeaders()
    {
        await using var away = await HeaderServer.StartAsync();
        await using var start = await HeaderServer.StartAsync(context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = away.Url("/landed");
        });
        var check = HttpChecks.Parse(start.Url("/away"), Credentials());

        var result = await HttpChecks.RunAsync(check);

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal("Bearer SECRET", Assert.Single(start.Requests).Header("Authorization"));
        var landed = Assert.Single(away.Requests);
        Assert.Equal((null, null, null, null, "sentinel"),
            (landed.Header("Authorization"), landed.Header("Cookie"), landed.Header("Proxy-Authorization"), landed.Header("X-Api-Key"), landed.Header("X-Probe")));
        Assert.Contains("\"withheldHeaders\":[\"Authorization\",\"Cookie\",\"Proxy-Authorization\",\"X-Api-Key\"]", ProbeResultJson.Details(result), StringComparison.Ordinal);
        Assert.Contains("  > (Authorization, Cookie, Proxy-Authorization, X-Api-Key withheld: another origin than the check's URL)\n",
            HttpChecks.Report(check, result).ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RedirectWithinTheOrigin_KeepsCredentialHeaders()
    {
        await using var server = await HeaderServer.StartAsync(context =>
        {
            if (context.Request.Path == "/start")
            {
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = "/landed";
            }
        });

        var result = await HttpChecks.RunAsync(server.Url("/start"), Credentials());

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        var landed = Assert.Single(server.Requests, r => r.Path == "/landed");
        Assert.Equal(("Bearer SECRET", "session=SECRET"), (landed.Header("Authorization"), landed.Header("Cookie")));
        Assert.Contains("\"withheldHeaders\":[]", ProbeResultJson.Details(result), StringComparison.Ordinal);
    }
}
