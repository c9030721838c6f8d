using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Tests.Http;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>
/// A check's proxy: plain http forwarded in absolute form (as curl and blackbox_exporter send it), https and h2c
/// through a CONNECT tunnel, so that the target's TLS handshake stays end to end.
/// </summary>
public sealed class HttpProxyTests(TlsPki pki) : IClassFixture<TlsPki>
{
    [Fact]
    public async Task RunAsync_HttpThroughAProxyThatRefusesTunnels_IsForwardedInAbsoluteForm()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var proxy = new ConnectProxy(refuseTunnels: true);

        var result = await HttpChecks.RunAsync(server.Url("/json"), new JsonObject { ["proxy"] = proxy.Url });

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal((1, 0), (proxy.Forwarded, proxy.Tunnels));
        Assert.Equal([$"GET {server.Url("/json")} HTTP/1.1"], proxy.RequestLines);
        Assert.Equal(["resolve", "connect", "processing", "transfer"], result.Phases.Select(p => p.Name));
    }

    [Fact]
    public async Task RunAsync_HttpsThroughProxy_TunnelsWithConnectAndTimesTheTargetsHandshake()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions
        {
            Tls = pki.Trusted.Issue(new CertificateSpec { CommonName = "localhost", IpAddresses = [IPAddress.Loopback] }),
        });
        await using var proxy = new ConnectProxy();

        var result = await HttpChecks.RunAsync(server.Url("/json"), new JsonObject { ["proxy"] = proxy.Url, ["tls"] = new JsonObject { ["caFile"] = pki.RootFile } });

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal((0, 1), (proxy.Forwarded, proxy.Tunnels));
        Assert.Equal([$"CONNECT 127.0.0.1:{server.Port} HTTP/1.1"], proxy.RequestLines);
        Assert.Equal(["resolve", "connect", "tls", "processing", "transfer"], result.Phases.Select(p => p.Name));
    }

    [Fact]
    public async Task RunAsync_Http2PriorKnowledgeThroughProxy_Tunnels()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Protocols = HttpProtocols.Http2 });
        await using var proxy = new ConnectProxy();

        var result = await HttpChecks.RunAsync(server.Url("/json"), new JsonObject { ["proxy"] = proxy.Url, ["httpVersion"] = "2" });

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal((0, 1), (proxy.Forwarded, proxy.Tunnels));
        Assert.Equal(2, result.Measurements["http.version"].Number);
    }

    [Fact]
    public async Task RunAsync_ProxyRefusesTheTunnel_ReportsProxyError()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions
        {
            Tls = pki.Trusted.Issue(new CertificateSpec { CommonName = "localhost", IpAddresses = [IPAddress.Loopback] }),
        });
        await using var proxy = new ConnectProxy(refuse: true);

        var result = await HttpChecks.RunAsync(server.Url("/json"), new JsonObject { ["proxy"] = proxy.Url, ["tls"] = new JsonObject { ["caFile"] = pki.RootFile } });

        Assert.Equal(("http", "http_proxy_error"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"the proxy 127.0.0.1:{proxy.EndPoint.Port} refused the tunnel to 127.0.0.1:{server.Port}: HTTP/1.1 403 Forbidden", result.Failure.Message);
    }
}
