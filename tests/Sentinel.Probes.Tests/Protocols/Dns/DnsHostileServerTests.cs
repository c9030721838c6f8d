using System.Buffers.Binary;
using System.Diagnostics;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Probes.Tests.Dns;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Dns;

/// <summary>
/// Servers that answer with what is not a DNS answer, asked by dns checks. Each case must end as a classified problem
/// within the check's timeout (plus the runner's grace), never as a crash, a hang or a stack trace. The classification
/// is the shared exchange's (<c>DnsExchange</c>), which a check's resolver uses too.
/// </summary>
public sealed class DnsHostileServerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1) + ProbeRunner.Grace;

    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task RunAsync_ReplyIsGarbage_ReportsDnsMalformed(string transport)
    {
        // The id is right, the rest is noise: header counts that promise records which are not there.
        using var server = new HostileDnsServer(query => [query[0], query[1], 0x81, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0xDE, 0xAD]);

        var result = await RunAsync(server, transport);

        Assert.Equal(("dns", "dns_malformed"), (result.Failure!.Layer, result.Failure.Category));
        Assert.StartsWith($"{server.Address} sent a reply for example.com. A that is not a valid DNS answer", result.Failure.Message, StringComparison.Ordinal);

        // The query went over the transport under test only: no fallback from UDP to TCP.
        Assert.Equal(1, server.Queries);
        Assert.Equal(transport, ((Sentinel.Probes.Dns.DnsDetails)result.Details!).Servers[0].Transport);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_ShortGarbageOverUdpWithoutTheTcFlag_ReportsDnsMalformedAsDigsBadPacket(bool tcpFallback)
    {
        // DnsClient takes an unparsable UDP reply of 512 bytes or less for a truncated one; without TC it is not.
        using var server = new HostileDnsServer(query => [query[0], query[1], 0x81, 0x80, 0xFF, 0xFF]);

        var result = await RunAsync(server, "udp", tcpFallback: tcpFallback);

        Assert.Equal("dns_malformed", result.Failure!.Category);
        Assert.Contains("its TC flag is not set", result.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Queries);
    }

    [Fact]
    public async Task RunAsync_ShortReplyWithTheTcFlagOverUdpWithoutTcp_ReportsDnsTruncated()
    {
        // Cut short and flagged TC, as dig reads it: truncated, even though the rest does not parse.
        using var server = new HostileDnsServer(query => [query[0], query[1], 0x83, 0x80, 0xFF, 0xFF]);

        var result = await RunAsync(server, "udp", tcpFallback: false);

        Assert.Equal("dns_truncated", result.Failure!.Category);
    }

    [Fact]
    public async Task RunAsync_UdpPortClosed_TimesOutAndNamesTheClosedPortAsACause()
    {
        // DnsClient's UDP socket is not connected, so the ICMP port unreachable never reaches it: the deadline ends it.
        using var closed = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        closed.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)closed.LocalEndPoint!).Port;
        closed.Close();

        var result = await _runner.RunAsync("example.com", new { servers = new[] { $"127.0.0.1:{port}" } }, "300ms");

        Assert.Equal("dns_timeout", result.Failure!.Category);
        Assert.Contains($"listening on UDP port {port} (a closed UDP port looks the same as a lost query here)", result.Failure.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LongGarbageOverUdp_ReportsDnsMalformed()
    {
        using var server = new HostileDnsServer(query => [.. query[..2], 0x81, 0x80, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, .. Enumerable.Repeat((byte)0x3F, 1500)]);

        var result = await RunAsync(server, "udp");

        Assert.Equal("dns_malformed", result.Failure!.Category);
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task RunAsync_ReplyWithAnotherId_ReportsDnsMalformed(string transport)
    {
        using var server = new HostileDnsServer(query =>
        {
            var reply = HostileDnsServer.EmptyAnswer(query);
            reply[1] ^= 0x5A;
            return reply;
        });

        var result = await RunAsync(server, transport);

        Assert.Equal("dns_malformed", result.Failure!.Category);
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task RunAsync_CompressionPointerLoop_EndsInBoundedTime(string transport)
    {
        // An answer whose owner name is a compression pointer to itself (RFC 1035 §4.1.4): a naive reader loops forever.
        using var server = new HostileDnsServer(query =>
        {
            var question = query.AsSpan(12, QuestionLength(query)).ToArray();
            byte[] header = [query[0], query[1], 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00];
            var at = 12 + question.Length;
            byte[] answer = [(byte)(0xC0 | (at >> 8)), (byte)at, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x04, 192, 0, 2, 1];
            return [.. header, .. question, .. answer];
        });

        var clock = Stopwatch.StartNew();
        var result = await RunAsync(server, transport);

        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal("dns_malformed", result.Failure!.Category);
    }

    [Fact]
    public async Task RunAsync_TcpServerClosesWithoutAnswering_ReportsAClassifiedProblem()
    {
        using var server = new HostileDnsServer(_ => null, (_, _, _) => Task.CompletedTask);

        var result = await RunAsync(server, "tcp");

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal("dns_malformed", result.Failure!.Category);
        Assert.Equal($"{server.Address} closed the TCP connection without answering example.com. A", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_TcpReplyDripsSlowly_TimesOutAtTheDeadline()
    {
        // Promise 65535 bytes, then send one every 50 ms: only the deadline can end this.
        using var server = new HostileDnsServer(_ => null, async (stream, query, cancellationToken) =>
        {
            await stream.WriteAsync(new byte[] { 0xFF, 0xFF, query[0], query[1] }, cancellationToken);
            for (var i = 0; i < 1000 && !cancellationToken.IsCancellationRequested; i++)
            {
                await stream.WriteAsync(new byte[] { 0x00 }, cancellationToken);
                await Task.Delay(50, cancellationToken);
            }
        });

        var clock = Stopwatch.StartNew();
        var result = await RunAsync(server, "tcp", timeout: "500ms");

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), Bound);
        Assert.Equal("dns_timeout", result.Failure!.Category);
    }

    [Fact]
    public async Task RunAsync_UdpServerSendsNothing_TimesOutAtTheDeadline()
    {
        using var server = new HostileDnsServer(_ => null);

        var result = await RunAsync(server, "udp", timeout: "300ms");

        Assert.Equal("dns_timeout", result.Failure!.Category);
        Assert.Equal(1, server.Queries);
    }

    private Task<ProbeResult> RunAsync(HostileDnsServer server, string transport, string timeout = "1s", bool tcpFallback = true) =>
        transport == "tcp"
            ? _runner.RunAsync("example.com", new { servers = new[] { server.Address }, transport }, timeout)
            : _runner.RunAsync("example.com", new { servers = new[] { server.Address }, transport, tcpFallback }, timeout);

    /// <summary>The length of the question section of a query with one question: the name's labels, then type and class.</summary>
    private static int QuestionLength(byte[] query)
    {
        var i = 12;
        while (query[i] != 0)
        {
            i += query[i] + 1;
        }

        return i + 1 + 4 - 12;
    }
}
