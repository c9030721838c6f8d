using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tcp;

/// <summary>The TCP probe against real sockets on loopback and a real DNS server.</summary>
public sealed class TcpProbeTests : IDisposable
{
    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    public void Dispose() => _dns.Dispose();

    [Fact]
    public async Task RunAsync_ListeningPort_IsUpWithResolveAndConnectPhases()
    {
        using var listener = new CountingListener();

        var result = await RunAsync(listener.EndPoint.ToString());

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["resolve", "connect"], result.Phases.Select(p => p.Name));
        Assert.True(result.Measurements["tcp.duration.connect_ms"].Number > 0);
        Assert.True(result.Measurements["tcp.duration.total_ms"].Number >= result.Measurements["tcp.duration.connect_ms"].Number);
        await Eventually.WaitAsync(() => listener.Accepted == 1, TimeSpan.FromSeconds(5), "the listener to accept the probe's connection");
    }

    [Fact]
    public async Task RunAsync_NothingListening_ReportsTcpRefusedWithHint()
    {
        var port = TcpPorts.Closed();

        var result = await RunAsync($"127.0.0.1:{port}");

        Assert.Equal(ProbeStatus.Down, result.Status);
        var failure = result.Failure!;
        Assert.Equal(("tcp", "tcp_refused"), (failure.Layer, failure.Category));
        Assert.Equal($"127.0.0.1:{port} refused the connection: nothing is listening on port {port}", failure.Message);
        Assert.Equal($"nothing listens on 127.0.0.1:{port}; is the service running, and bound to this address and port?", failure.Hint);
        Assert.NotNull(result.Phase("connect"));
    }

    [Fact]
    public async Task RunAsync_SilentPort_ReportsTcpTimeoutAtTheDeadline()
    {
        using var silent = new SilentListener();

        var result = await RunAsync(silent.EndPoint.ToString(), timeout: "400ms");

        Assert.Equal("tcp_timeout", result.Failure!.Category);
        Assert.Equal($"no answer from {silent.EndPoint} to the connection attempt within the check's timeout (400ms)", result.Failure.Message);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task RunAsync_NameResolvedByTheCheckResolver_ConnectsToItsAddress()
    {
        using var listener = new CountingListener();
        _dns.AddAddress("db.sentinel.test.", "127.0.0.1");

        var result = await RunAsync($"db.sentinel.test:{listener.EndPoint.Port}", resolver: _dns.Address);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Contains($"\"remote\":\"127.0.0.1:{listener.EndPoint.Port}\"", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NameDoesNotExist_ReportsDnsNxdomain()
    {
        var result = await RunAsync("missing.sentinel.test:80", resolver: _dns.Address);

        Assert.Equal(("dns", "dns_nxdomain"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"missing.sentinel.test does not exist: {_dns.Address} answered NXDOMAIN", result.Failure.Message);
        Assert.Null(result.Phase("connect"));
    }

    [Fact]
    public async Task RunAsync_NameWithoutAddressOfTheFamily_ReportsDnsNoAddress()
    {
        _dns.AddAddress("v4only.sentinel.test.", "127.0.0.1");

        var result = await RunAsync("v4only.sentinel.test:80", resolver: _dns.Address, ipVersion: "ipv6");

        Assert.Equal("dns_no_address", result.Failure!.Category);
        Assert.Equal($"v4only.sentinel.test has no IPv6 (AAAA) address at {_dns.Address}", result.Failure.Message);
    }

    [Theory]
    [InlineData(ARSoft.Tools.Net.Dns.ReturnCode.ServerFailure, "dns_servfail", "{server} answered SERVFAIL for broken.sentinel.test",
        "the zone's authoritative servers may be unreachable or DNSSEC validation failing; query them directly with dig")]
    [InlineData(ARSoft.Tools.Net.Dns.ReturnCode.Refused, "dns_refused", "{server} refused to resolve broken.sentinel.test (REFUSED)",
        "{server} does not serve this client or this zone; check its access rules")]
    [InlineData(ARSoft.Tools.Net.Dns.ReturnCode.FormatError, "dns_rcode", "{server} answered FORMERR for broken.sentinel.test A",
        "{server} could not parse the query; a server that does not understand EDNS0 (the query carried an OPT record) answers so: compare with dig +noedns, or use a resolver that speaks EDNS0")]
    [InlineData(ARSoft.Tools.Net.Dns.ReturnCode.NotImplemented, "dns_rcode", "{server} answered NOTIMP for broken.sentinel.test A",
        "{server} does not implement this kind of query (its opcode, class or record type); ask a server that does, or compare with dig")]
    [InlineData(ARSoft.Tools.Net.Dns.ReturnCode.NotAuthoritive, "dns_rcode", "{server} answered NOTAUTH for broken.sentinel.test A",
        "{server} is not authoritative for the zone of broken.sentinel.test (RFC 2136), or rejected the request's signature (RFC 8945); ask the zone's authoritative servers (dig NS)")]
    public async Task RunAsync_ResolverFails_ClassifiesTheRcodeAsTheDnsProbeDoes(ARSoft.Tools.Net.Dns.ReturnCode code, string category, string message, string hint)
    {
        _dns.AnswerWith("broken.sentinel.test.", code);

        var result = await RunAsync("broken.sentinel.test:80", resolver: _dns.Address, ipVersion: "ipv4");

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns", category), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal(message.Replace("{server}", _dns.Address, StringComparison.Ordinal), result.Failure.Message);
        Assert.Equal(hint.Replace("{server}", _dns.Address, StringComparison.Ordinal), result.Failure.Hint);

        // The FORMERR hint says the query carried EDNS0: it did.
        Assert.True(_dns.Received[^1].EdnsBufferSize > 512);
    }

    [Fact]
    public async Task RunAsync_ResolverNeverAnswers_ReportsDnsTimeout()
    {
        _dns.Silence("slow.sentinel.test.");

        var result = await RunAsync("slow.sentinel.test:80", resolver: _dns.Address, timeout: "500ms");

        Assert.Equal(("dns", "dns_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.StartsWith("resolving slow.sentinel.test did not finish within the check's timeout (500ms)", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ResolverNotRunning_ReportsDnsTimeout()
    {
        // Over UDP a resolver that is not running looks like one that does not answer, as with dig +notcp.
        var port = FreeUdpPort();

        var result = await RunAsync("db.sentinel.test:80", resolver: $"127.0.0.1:{port}", timeout: "500ms");

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns", "dns_timeout"), (result.Failure!.Layer, result.Failure.Category));
    }

    [Fact]
    public async Task RunAsync_NoRouteToTheAddress_ReportsNetworkUnreachable()
    {
        using var route = UnreachableRoute.TryAdd();
        Assert.SkipWhen(route is null, "adding a route needs root and iproute2");

        var result = await RunAsync($"{route.Address}:80");

        Assert.Equal(("tcp", "network_unreachable"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"{route.Address} is unreachable (no route to host)", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_Ipv6Loopback_Connects()
    {
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        try
        {
            listener.Start();
        }
        catch (SocketException)
        {
            Assert.Skip("IPv6 is not available on this machine");
        }

        var result = await RunAsync($"[::1]:{((IPEndPoint)listener.LocalEndpoint).Port}");
        listener.Stop();

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_ip_protocol" && s.Value == 6);
    }

    [Fact]
    public async Task RunAsync_Ipv4LiteralWithIpv6Only_ReportsDnsNoAddress()
    {
        var result = await RunAsync("127.0.0.1:80", ipVersion: "ipv6");

        Assert.Equal("dns_no_address", result.Failure!.Category);
        Assert.Equal("127.0.0.1 is not an IPv6 (AAAA) address", result.Failure.Message);
    }

    private async Task<ProbeResult> RunAsync(string target, string timeout = "2s", string? resolver = null, string? ipVersion = null)
    {
        var json = $$"""{ "id": "t", "type": "tcp", "target": "{{target}}", "timeout": "{{timeout}}", "interval": "1m" {{(resolver is null ? "" : $", \"resolver\": \"{resolver}\"")}} {{(ipVersion is null ? "" : $", \"ipVersion\": \"{ipVersion}\"")}} }""";
        var document = CheckParser.Parse(json, "test", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return await _runner.RunAsync(document.Checks[0].Definition, TestContext.Current.CancellationToken);
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
