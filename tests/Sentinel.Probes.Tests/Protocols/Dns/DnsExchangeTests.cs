using TransportProtocol = ARSoft.Tools.Net.Dns.TransportProtocol;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Protocols.Dns;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Dns;

/// <summary>
/// The exchange of one query with one server that the dns probe and a check's resolver share, against real DNS
/// servers on loopback: the transports, the fallback to TCP, the deadline and how a truncated answer is reported.
/// </summary>
public sealed class DnsExchangeTests : IDisposable
{
    private const ushort A = 1;

    private static readonly DnsAsking Udp = new(Recursion: true, EdnsBufferSize: 1232, CheckSetsEdns: false);

    private readonly DnsZoneServer _zone = DnsZoneServer.Start();

    public void Dispose() => _zone.Dispose();

    [Fact]
    public async Task AskAsync_AnswerFitsOverUdp_AnswersOverUdpOnly()
    {
        _zone.AddAddress("db.sentinel.test.", "192.0.2.7");

        var reply = await AskAsync(_zone.EndPoint, DnsQuery.ForHost("db.sentinel.test", QueryType.A), Udp);

        Assert.Null(reply.Failure);
        Assert.Equal(("udp", false), (reply.Transport, reply.Truncated));
        Assert.Equal("192.0.2.7", Assert.Single(reply.Response!.Answers.OfType<ARecord>()).Address.ToString());
        Assert.Equal([TransportProtocol.Udp], _zone.Received.Select(q => q.Protocol));
    }

    [Fact]
    public async Task AskAsync_OverTcp_AsksOverTcpOnly()
    {
        _zone.AddAddress("db.sentinel.test.", "192.0.2.7");

        var reply = await AskAsync(_zone.EndPoint, DnsQuery.ForHost("db.sentinel.test", QueryType.A), Udp with { Transport = DnsTransport.Tcp });

        Assert.Equal(("tcp", false), (reply.Transport, reply.Truncated));
        Assert.NotNull(reply.Response);
        Assert.Equal([TransportProtocol.Tcp], _zone.Received.Select(q => q.Protocol));
    }

    [Fact]
    public async Task AskAsync_AskedTwice_SendsTwoQueries()
    {
        // A client of its own for each exchange: nothing is cached, so every run measures the server.
        _zone.AddAddress("db.sentinel.test.", "192.0.2.7");
        var query = DnsQuery.ForHost("db.sentinel.test", QueryType.A);

        await AskAsync(_zone.EndPoint, query, Udp);
        await AskAsync(_zone.EndPoint, query, Udp);

        Assert.Equal(2, _zone.Queries);
    }

    [Fact]
    public async Task AskAsync_TruncatedOverUdp_AsksAgainOverTcpAndTimesBothExchanges()
    {
        // The server moves the clock on as it answers: 3 ms for the truncated UDP answer, 5 ms for the TCP one.
        var time = new FakeTimeProvider();
        using var server = new HostileDnsServer(
            query => Advance(time, 3, HostileDnsServer.Truncated(query)),
            HostileDnsServer.OverTcp(query => Advance(time, 5, HostileDnsServer.Answer(query, A, 300, [192, 0, 2, 7]))));

        var reply = await AskAsync(server.EndPoint, DnsQuery.ForHost("db.sentinel.test", QueryType.A), Udp, time: time);

        Assert.Null(reply.Failure);
        Assert.Equal(("udp+tcp", true), (reply.Transport, reply.Truncated));
        Assert.Equal("192.0.2.7", Assert.Single(reply.Response!.Answers.OfType<ARecord>()).Address.ToString());
        Assert.Equal(TimeSpan.FromMilliseconds(8), reply.Elapsed);
        Assert.Equal(2, server.Queries);
    }

    [Fact]
    public async Task AskAsync_TruncatedWithoutFallback_ReportsDnsTruncated()
    {
        using var server = new HostileDnsServer(HostileDnsServer.Truncated);

        var reply = await AskAsync(server.EndPoint, DnsQuery.ForHost("db.sentinel.test", QueryType.A), Udp with { TcpFallback = false });

        Assert.Equal(("udp", true), (reply.Transport, reply.Truncated));
        Assert.Null(reply.Response);
        Assert.Equal(("dns", "dns_truncated"), (reply.Failure!.Layer, reply.Failure.Category));
        Assert.Equal($"{server.Address} sent a truncated UDP answer for db.sentinel.test. A (TC flag set), and the check does not allow TCP", reply.Failure.Message);
        Assert.Equal(1, server.Queries);
    }

    [Theory]
    [InlineData(null, null, "within the check's timeout")]
    [InlineData(1000, null, "within the check's timeout (1s)")]
    [InlineData(1000, 500, "within 500ms, its share of the check's timeout (1s)")]
    public async Task AskAsync_NoAnswerByTheDeadline_ReportsDnsTimeoutNamingTheDeadline(int? timeoutMs, int? shareMs, string within)
    {
        using var server = new HostileDnsServer(_ => null);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var given = new DnsDeadline(timeoutMs is { } t ? TimeSpan.FromMilliseconds(t) : null, shareMs is { } s ? TimeSpan.FromMilliseconds(s) : null);

        var reply = await AskAsync(server.EndPoint, DnsQuery.ForHost("db.sentinel.test", QueryType.A), Udp, given, cancellationToken: deadline.Token);

        Assert.Equal(("dns", "dns_timeout"), (reply.Failure!.Layer, reply.Failure.Category));
        Assert.Equal($"no answer from {server.Address} over UDP for db.sentinel.test. A {within}", reply.Failure.Message);
    }

    private static Task<DnsReply> AskAsync(
        System.Net.IPEndPoint endPoint, DnsQuery query, DnsAsking asking, DnsDeadline deadline = default, TimeProvider? time = null, CancellationToken? cancellationToken = null) =>
        DnsExchange.AskAsync(DnsServer.At(endPoint), endPoint, query, asking, deadline, time ?? TimeProvider.System, cancellationToken ?? TestContext.Current.CancellationToken);

    private static byte[] Advance(FakeTimeProvider time, int milliseconds, byte[] reply)
    {
        time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        return reply;
    }
}
