using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Probes.Tests.Dns;
using Sentinel.Probes.Tests.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Resolving;

/// <summary>
/// A check's own <c>resolver</c> asks through the dns probe's transport: a truncated UDP answer is asked again over
/// TCP, and a server's faults get the category and the words a dns check gets for the same server, against real DNS
/// servers on loopback.
/// </summary>
public sealed class DnsServerHostResolverTests
{
    private const ushort A = 1;

    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Fact]
    public async Task RunAsync_TcpCheckWhoseResolverTruncatesOverUdp_AsksAgainOverTcpAndConnects()
    {
        using var dns = TruncatingServer();
        using var listener = new CountingListener();

        var result = await RunTcpAsync($"db.sentinel.test:{listener.EndPoint.Port}", dns.Address);

        Assert.Equal(ProbeStatus.Up, result.Status);
        await Eventually.WaitAsync(() => listener.Accepted == 1, TimeSpan.FromSeconds(5), "the listener to accept the probe's connection");

        // A and AAAA, each over UDP (truncated) and again over TCP.
        Assert.Equal(4, dns.Queries);
    }

    [Fact]
    public async Task RunAsync_HttpCheckWhoseResolverTruncatesOverUdp_AsksAgainOverTcpAndFetches()
    {
        using var dns = TruncatingServer();
        await using var server = await HttpTestServer.StartAsync();

        var result = await HttpChecks.RunAsync($"http://www.sentinel.test:{server.Port}/json", resolver: dns.Address, ipVersion: "ipv4");

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(2, dns.Queries);
    }

    [Fact]
    public async Task RunAsync_ResolverTruncatesOverUdpAndRefusesTcp_ReportsTheRefusalInADnsChecksWords()
    {
        using var dns = new HostileDnsServer(HostileDnsServer.Truncated, listenOnTcp: false);

        var result = await RunTcpAsync("db.sentinel.test:80", dns.Address, ipVersion: "ipv4");

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(["resolve"], result.Phases.Select(p => p.Name));
        Assert.Equal(
            new Problem("tcp", "tcp_refused", $"{dns.Address} refused the TCP connection for db.sentinel.test. A: nothing listens on TCP port {dns.EndPoint.Port}",
                "a DNS server must answer over TCP too (RFC 7766); is it running, and listening on TCP as well as UDP?"),
            result.Failure);
        Assert.Equal((await AskWithDnsCheckAsync(dns)).Failure, result.Failure);
    }

    [Fact]
    public async Task RunAsync_ResolverAnswersGarbage_ReportsDnsMalformedInADnsChecksWords()
    {
        // The id is right, the rest is noise: header counts that promise records which are not there.
        using var dns = new HostileDnsServer(query => [query[0], query[1], 0x81, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0xDE, 0xAD]);

        var result = await RunTcpAsync("db.sentinel.test:80", dns.Address, ipVersion: "ipv4");

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns", "dns_malformed"), (result.Failure!.Layer, result.Failure.Category));
        Assert.StartsWith($"{dns.Address} sent a reply for db.sentinel.test. A that is not a valid DNS answer: ", result.Failure.Message, StringComparison.Ordinal);

        // A short reply without TC is a bad packet, not a truncated one: nothing was asked again over TCP (a busy
        // machine may make the resolver send its UDP query twice, which is no fallback).
        Assert.Equal(0, dns.TcpQueries);
        Assert.InRange(dns.Queries, 1, 2);

        // The message quotes the reply, whose id differs from query to query.
        Assert.Equal(WithoutReplyBytes((await AskWithDnsCheckAsync(dns)).Failure!), WithoutReplyBytes(result.Failure));
    }

    [Fact]
    public async Task RunAsync_ResolverClosesTcpWithoutAnswering_ReportsDnsMalformedInADnsChecksWords()
    {
        using var dns = new HostileDnsServer(HostileDnsServer.Truncated, (_, _, _) => Task.CompletedTask);

        var result = await RunTcpAsync("db.sentinel.test:80", dns.Address, ipVersion: "ipv4");

        Assert.Equal(new Problem("dns", "dns_malformed", $"{dns.Address} closed the TCP connection without answering db.sentinel.test. A",
            "the server or a middlebox dropped the query; compare with dig +tcp and the server's logs"), result.Failure);
        Assert.Equal((await AskWithDnsCheckAsync(dns)).Failure, result.Failure);
    }

    private static Problem WithoutReplyBytes(Problem problem) =>
        problem with { Message = Regex.Replace(problem.Message, @"\[[A-Za-z0-9+/=]+\]", "[reply]") };

    /// <summary>A server that sends every UDP answer truncated and answers over TCP: 127.0.0.1 for A, no AAAA.</summary>
    private static HostileDnsServer TruncatingServer() =>
        new(HostileDnsServer.Truncated, HostileDnsServer.OverTcp(query =>
            HostileDnsServer.QuestionType(query) == A ? HostileDnsServer.Answer(query, A, 300, [127, 0, 0, 1]) : HostileDnsServer.EmptyAnswer(query)));

    private async Task<ProbeResult> RunTcpAsync(string target, string resolver, string? ipVersion = null)
    {
        var check = new JsonObject { ["id"] = "t", ["type"] = "tcp", ["target"] = target, ["interval"] = "1m", ["timeout"] = "2s", ["resolver"] = resolver };
        if (ipVersion is not null)
        {
            check["ipVersion"] = ipVersion;
        }

        var document = CheckParser.Parse(check.ToJsonString(), "test", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return await _runner.RunAsync(document.Checks[0].Definition, TestContext.Current.CancellationToken);
    }

    /// <summary>A dns check of db.sentinel.test A at the same server: the words a resolver's fault must match.</summary>
    private Task<ProbeResult> AskWithDnsCheckAsync(HostileDnsServer dns) =>
        _runner.RunAsync("db.sentinel.test", new { servers = new[] { dns.Address } });
}
