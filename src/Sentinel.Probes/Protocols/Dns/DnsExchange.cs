using System.Net;
using System.Net.Sockets;
using DnsClient;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>
/// The exchange of one query with one server, for the dns probe and for a check's own resolver alike: over UDP,
/// with a truncated answer asked again over TCP (RFC 7766 §5), or over TCP only; bounded by the caller's deadline
/// alone; and what went wrong classified (refused, unreachable, timeout, malformed answer), so that one fault of a
/// server gets one category and one message whoever asked. DnsClient sends and parses; its cache, retries and TCP
/// fallback are off, and each exchange builds its own client, so nothing is cached and each run opens its own TCP
/// connection. The fallback is done here, so that a truncated answer is seen and reported, and each exchange timed.
/// </summary>
internal static class DnsExchange
{
    /// <summary>
    /// Asks <paramref name="server"/>, at <paramref name="endPoint"/>, within the deadline that
    /// <paramref name="cancellationToken"/> carries, which <paramref name="deadline"/> describes for the messages.
    /// Never throws for the server's faults: they are the reply's <see cref="DnsReply.Failure"/>, a deadline hit
    /// included (<c>dns_timeout</c>). A fault of this node's own that is not about the server propagates.
    /// </summary>
    public static async Task<DnsReply> AskAsync(
        DnsServer server, IPEndPoint endPoint, DnsQuery query, DnsAsking asking, DnsDeadline deadline, TimeProvider time, CancellationToken cancellationToken)
    {
        var overTcp = asking.Transport == DnsTransport.Tcp;
        var outcome = await SendAsync(server, endPoint, query, asking, deadline, overTcp, time, cancellationToken).ConfigureAwait(false);
        if (outcome.Truncated && !overTcp && asking.TcpFallback)
        {
            // RFC 7766 §5: a truncated UDP answer is asked again over TCP, which has no size limit. The lookup
            // time is both exchanges (dig reports only the TCP one).
            var retry = await SendAsync(server, endPoint, query, asking, deadline, true, time, cancellationToken).ConfigureAwait(false);
            return new DnsReply(retry.Response, retry.Failure, "udp+tcp", Truncated: true, outcome.Elapsed + retry.Elapsed);
        }

        return new DnsReply(outcome.Response,
            outcome.Truncated
                ? Fail(FailureCategories.DnsTruncated,
                    $"{server.Name} sent a truncated UDP answer for {query} (TC flag set), and the check does not allow TCP",
                    "allow TCP (remove \"tcpFallback\": false) or raise ednsBufferSize so that the answer fits")
                : outcome.Failure,
            overTcp ? "tcp" : "udp", outcome.Truncated, outcome.Elapsed);
    }

    private readonly record struct Outcome(IDnsQueryResponse? Response, Problem? Failure, bool Truncated, TimeSpan Elapsed);

    /// <summary>One query over one transport, with DnsClient.</summary>
    private static async Task<Outcome> SendAsync(
        DnsServer server, IPEndPoint endPoint, DnsQuery query, DnsAsking asking, DnsDeadline deadline, bool overTcp, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(endPoint))
        {
            UseCache = false,
            Retries = 0,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            UseTcpFallback = false,
            UseTcpOnly = overTcp,
            Recursion = asking.Recursion,

            // DnsClient sends no OPT record for 512 and below, and offers this size otherwise (RFC 6891 §6.2.5).
            ExtendedDnsBufferSize = asking.EdnsBufferSize,

            // The deadline, passed as the cancellation token, is the only bound, so that a timeout DnsClient
            // reports before it can only mean a failure of another kind.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        });

        // Timed from the query sent to the answer parsed, as dig's query time: building the client is Sentinel's own work.
        var question = new DnsQuestion(query.Name, query.Type, QueryClass.IN);
        using var log = DnsClientLog.Begin();
        var start = time.GetTimestamp();
        try
        {
            var response = await client.QueryAsync(question, cancellationToken).ConfigureAwait(false);
            return new Outcome(response, null, false, time.GetElapsedTime(start));
        }
        catch (Exception ex) when (Classify(ex, log.ParseFailure, server, query, deadline, overTcp, cancellationToken) is { } outcome)
        {
            return outcome with { Elapsed = time.GetElapsedTime(start) };
        }
    }

    /// <summary>What a DnsClient exception means; null for one that is not about the server (a fault of Sentinel's, left to the runner).</summary>
    private static Outcome? Classify(
        Exception exception, DnsResponseParseException? unparsable, DnsServer server, DnsQuery query, DnsDeadline deadline, bool overTcp, CancellationToken cancellationToken) => exception switch
    {
        // DnsClient reports the caller's cancellation as a timeout of its own; the deadline is the caller's.
        DnsResponseException when cancellationToken.IsCancellationRequested => Failed(Timeout(server, query, deadline, overTcp)),

        // With its own fallback off, DnsClient reports both a TC answer and a short UDP reply it could not parse as
        // "truncated". Only the TC flag means truncated (RFC 1035 §4.1.1, as dig reads it, even on a reply that
        // does not parse whole); a reply without it that does not parse is a bad packet.
        DnsResponseException { Code: DnsResponseCode.Unassigned } ex when !overTcp && ex.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase) =>
            unparsable is { ResponseData: { Length: >= 3 } reply } && (reply[2] & 0x02) == 0
                ? Failed(Malformed(server, query, $"the reply cannot be parsed ({unparsable.Message}), and its TC flag is not set"))
                : new Outcome(null, null, true, TimeSpan.Zero),
        DnsResponseException { InnerException: SocketException socket } => Failed(Socket(server, query, socket, overTcp)),

        // DnsClient has no timeout of its own here, so over TCP this is its report of a connection that ended early.
        DnsResponseException { Code: DnsResponseCode.ConnectionTimeout } when overTcp => Failed(Fail(FailureCategories.DnsMalformed,
            $"{server.Name} closed the TCP connection without answering {query}",
            "the server or a middlebox dropped the query; compare with dig +tcp and the server's logs")),
        DnsResponseException { Code: DnsResponseCode.ConnectionTimeout } => Failed(Timeout(server, query, deadline, overTcp)),
        DnsResponseException ex => Failed(Malformed(server, query, ex.InnerException?.Message ?? ex.Message)),
        DnsResponseParseException ex => Failed(Malformed(server, query, $"the reply cannot be parsed ({ex.Message})")),
        DnsXidMismatchException => Failed(Malformed(server, query, "the reply's id does not match the query's")),
        _ => null,
    };

    private static Outcome Failed(Problem problem) => new(null, problem, false, TimeSpan.Zero);

    /// <remarks>
    /// Over UDP a closed port looks the same: DnsClient's socket is not connected, so the ICMP port-unreachable
    /// that makes dig say "connection refused" at once never reaches it, and the query waits out the deadline.
    /// Telling the two apart would take a datagram of Sentinel's own to the server, which is not the query the
    /// check asks for, so the hint names both causes instead.
    /// </remarks>
    private static Problem Timeout(DnsServer server, DnsQuery query, DnsDeadline deadline, bool overTcp) =>
        Fail(FailureCategories.DnsTimeout,
            $"no answer from {server.Name} over {(overTcp ? "TCP" : "UDP")} for {query} {deadline}",
            overTcp
                ? $"check that {server.Name} is running and reachable from this node over TCP, and not dropping queries"
                : $"check that {server.Name} is running, listening on UDP port {server.Port} (a closed UDP port looks the same as a lost query here) and reachable from this node, and not dropping queries");

    private static Problem Socket(DnsServer server, DnsQuery query, SocketException ex, bool overTcp) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused when overTcp => new Problem(Layers.Tcp, FailureCategories.TcpRefused,
            $"{server.Name} refused the TCP connection for {query}: nothing listens on TCP port {server.Port}",
            "a DNS server must answer over TCP too (RFC 7766); is it running, and listening on TCP as well as UDP?"),
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => new Problem(Layers.Tcp, FailureCategories.NetworkUnreachable,
            $"no route to {server.Name} for {query}: {ex.Message}",
            "check this node's routes, VPN and (for IPv6 servers) IPv6 connectivity"),
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => Fail(FailureCategories.DnsMalformed,
            $"{server.Name} closed the {(overTcp ? "TCP connection" : "exchange")} without answering {query}",
            "the server or a middlebox dropped the query; compare with dig +tcp and the server's logs"),
        _ => new Problem(Layers.Probe, FailureCategories.ProbeError,
            $"this node could not send the query for {query} to {server.Name}: {ex.Message} ({ex.SocketErrorCode})",
            "a fault of this Sentinel node (sockets, address family, file descriptors); the server may be fine"),
    };

    private static Problem Malformed(DnsServer server, DnsQuery query, string reason) =>
        Fail(FailureCategories.DnsMalformed,
            $"{server.Name} sent a reply for {query} that is not a valid DNS answer: {reason}",
            "capture the exchange (tcpdump port 53) and compare with dig; a middlebox may be rewriting DNS");

    private static Problem Fail(string category, string message, string hint) => new(Layers.Dns, category, message, hint);
}
