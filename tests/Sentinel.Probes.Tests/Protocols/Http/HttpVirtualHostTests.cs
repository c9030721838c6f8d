using System.Net;
using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Http;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>
/// A virtual host reached by address: a Host header (and, for TLS, the name it implies or serverName) applies to the
/// check's own host, and a redirect to another host is that host's own.
/// </summary>
public sealed class HttpVirtualHostTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private const string VirtualHost = "vhost.sentinel.test";

    [Theory]
    [InlineData(VirtualHost)]
    [InlineData(VirtualHost + ":8443")]
    public async Task RunAsync_HostHeaderOnAnAddress_SendsItAndChecksTheCertificateForItsName(string host)
    {
        // The certificate names only the virtual host, not 127.0.0.1: it passes only when TLS uses the Host's name.
        await using var server = await HeaderServer.StartAsync(tls: pki.Trusted.Issue(new CertificateSpec { CommonName = VirtualHost }));
        var check = HttpChecks.Parse(server.Url(), Trusting(new JsonObject { ["headers"] = new JsonObject { ["Host"] = host } }));

        var result = await HttpChecks.RunAsync(check);

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal(host, Assert.Single(server.Requests).Header("Host"));
        var report = HttpChecks.Report(check, result).ReplaceLineEndings("\n");
        Assert.Contains($"  > Host: {host}\n", report, StringComparison.Ordinal);
        Assert.Contains($"  server name {VirtualHost}; certificate checked for {VirtualHost}\n", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HostHeaderAndServerName_ServerNameIsTheTlsName()
    {
        await using var server = await HeaderServer.StartAsync(tls: pki.Trusted.Issue(new CertificateSpec { CommonName = "tls.sentinel.test" }));
        var check = HttpChecks.Parse(server.Url(), Trusting(new JsonObject { ["headers"] = new JsonObject { ["Host"] = VirtualHost } }, "tls.sentinel.test"));

        var result = await HttpChecks.RunAsync(check);

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal(VirtualHost, Assert.Single(server.Requests).Header("Host"));
    }

    [Fact]
    public async Task RunAsync_HostHeaderOverPlainHttp_IsSent()
    {
        await using var server = await HeaderServer.StartAsync();

        var result = await HttpChecks.RunAsync(server.Url(), new JsonObject { ["headers"] = new JsonObject { ["host"] = VirtualHost } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(VirtualHost, Assert.Single(server.Requests).Header("Host"));
    }

    [Theory]
    [InlineData("serverName")]
    [InlineData("Host")]
    public async Task RunAsync_RedirectToAnotherHost_UsesThatHostsOwnNameAndHost(string how)
    {
        var address = IPAddress.Parse("127.0.0.2");
        await using var other = await HttpTestServer.StartAsync(new HttpTestServerOptions
        {
            Address = address,
            Tls = pki.Trusted.Issue(new CertificateSpec { CommonName = "other.sentinel.test", IpAddresses = [address] }),
        });
        await using var vhost = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = pki.Trusted.Issue(new CertificateSpec { CommonName = VirtualHost }) });
        var http = how == "Host"
            ? Trusting(new JsonObject { ["headers"] = new JsonObject { ["Host"] = VirtualHost } })
            : Trusting(serverName: VirtualHost);

        var result = await HttpChecks.RunAsync(vhost.Url($"/redirect/302?to={Uri.EscapeDataString(other.Url("/json"))}"), http);

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal(1, result.Measurements["http.redirects"].Number);
        Assert.Contains($"[\"Host\",\"127.0.0.2:{other.Port}\"]", ProbeResultJson.Details(result), StringComparison.Ordinal);
    }

    private JsonObject Trusting(JsonObject? http = null, string? serverName = null)
    {
        http ??= [];
        var tls = new JsonObject { ["caFile"] = pki.RootFile };
        if (serverName is not null)
        {
            tls["serverName"] = serverName;
        }

        http["tls"] = tls;
        return http;
    }
}
