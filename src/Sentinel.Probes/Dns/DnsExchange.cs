using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Dns;

/// <summary>
/// Sends one query to one server with DnsClient and classifies what went wrong. A server named by host name is
/// first resolved with the system resolver, timed on its own, and asked at the first address it gives (as
/// blackbox_exporter does). Each query gets its own client, so nothing is cached and each run opens its own TCP
/// connection. DnsClient's own retries and TCP fallback are off: the fallback is done here, so that a truncated
/// answer is seen and reported, and the deadline passed in is the only bound.
/// </summary>
internal static class DnsExchange
{
    /// <summary>
    /// Asks <paramref name="server"/> within the deadline that <paramref name="cancellationToken"/> carries:
    /// the check's, or the share of it given by <paramref name="share"/> when the server is one of several asked
    /// in turn (null for the whole timeout), which the messages then name.
    /// </summary>
    public static async Task<DnsServerAnswer> QueryAsync(
        DnsServer server, DnsQuery query, DnsSection section, CheckDefinition check, ProbeContext context, CancellationToken cancellationToken, TimeSpan? share = null)
    {
        var resolveStart = context.Time.GetTimestamp();
        var (endPoint, unresolved) = await LocateAsync(server, check, context, cancellationToken).ConfigureAwait(false);
        var resolved = context.Time.GetElapsedTime(resolveStart);
        if (endPoint is null)
        {
            return new DnsServerAnswer { Server = server, Transport = section.Transport == DnsTransport.Tcp ? "tcp" : "udp", ResolveElapsed = resolved, Elapsed = TimeSpan.Zero, Failure = unresolved };
        }

        var overTcp = section.Transport == DnsTransport.Tcp;
        var deadline = new Deadline(check.Timeout, share);
        var outcome = await AskAsync(server, endPoint, query, section, deadline, overTcp, context, cancellationToken).ConfigureAwait(false);
        if (outcome.Truncated && !overTcp && section.TcpFallback)
        {
            // RFC 7766 §5: a truncated UDP answer is asked again over TCP, which has no size limit. The lookup
            // time is both exchanges (dig reports only the TCP one).
            var retry = await AskAsync(server, endPoint, query, section, deadline, true, context, cancellationToken).ConfigureAwait(false);
            return Answer(server, endPoint, "udp+tcp", resolved, outcome.Elapsed + retry.Elapsed, truncated: true, retry.Response, retry.Failure);
        }

        return Answer(server, endPoint, overTcp ? "tcp" : "udp", resolved, outcome.Elapsed, outcome.Truncated, outcome.Response,
            outcome.Truncated
                ? Fail(FailureCategories.DnsTruncated,
                    $"{server.Name} sent a truncated UDP answer for {query} (TC flag set), and the check does not allow TCP",
                    "allow TCP (remove \"tcpFallback\": false) or raise ednsBufferSize so that the answer fits")
                : outcome.Failure);
    }

    /// <summary>The server's address: its own, or the first the system resolver has for its name (getaddrinfo order).</summary>
    private static async Task<(IPEndPoint? EndPoint, Problem? Failure)> LocateAsync(DnsServer server, CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        if (server.EndPoint is { } endPoint)
        {
            return (endPoint, null);
        }

        HostLookup lookup;
        try
        {
            lookup = await context.SystemResolver.ResolveAsync(server.Host, IpVersion.Any, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, new Problem(Layers.Dns, FailureCategories.DnsTimeout,
                $"resolving the DNS server's name {server.Host} did not finish within the check's timeout ({Duration.Format(check.Timeout)})",
                "check this node's resolver, or name the DNS server by its IP address in dns.servers"));
        }

        return lookup.Failure is { } failure
            ? (null, failure with { Message = $"the DNS server {server.Name} cannot be found: {failure.Message}", Hint = $"{failure.Hint}; or name the DNS server by its IP address in dns.servers" })
            : (new IPEndPoint(lookup.Addresses[0], server.Port), null);
    }

    private static DnsServerAnswer Answer(DnsServer server, IPEndPoint endPoint, string transport, TimeSpan resolved, TimeSpan elapsed, bool truncated, IDnsQueryResponse? response, Problem? failure) => new()
    {
        Server = server,
        EndPoint = endPoint,
        Transport = transport,
        ResolveElapsed = resolved,
        Elapsed = elapsed,
        Truncated = truncated,
        Response = response,
        Failure = failure,
        Answers = response?.Answers.Select(DnsRecordView.From).ToArray() ?? [],
        Authority = response?.Authorities.Select(DnsRecordView.From).ToArray() ?? [],
        Additional = response?.Additionals.Where(r => r.RecordType != ResourceRecordType.OPT).Select(DnsRecordView.From).ToArray() ?? [],
    };

    /// <summary>How long a server may take: the check's timeout, or its share of it; for the messages.</summary>
    private readonly record struct Deadline(TimeSpan CheckTimeout, TimeSpan? Share)
    {
        public override string ToString() => Share is { } share
            ? $"within {Duration.Format(share)}, its share of the check's timeout ({Duration.Format(CheckTimeout)})"
            : $"within the check's timeout ({Duration.Format(CheckTimeout)})";
    }

    private readonly record struct Outcome(IDnsQueryResponse? Response, Problem? Failure, bool Truncated, TimeSpan Elapsed);

    private static async Task<Outcome> AskAsync(
        DnsServer server, IPEndPoint endPoint, DnsQuery query, DnsSection section, Deadline deadline, bool overTcp, ProbeContext context, CancellationToken cancellationToken)
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
            Recursion = section.Recursion,

            // DnsClient sends no OPT record for 512 and below, and offers this size otherwise (RFC 6891 §6.2.5).
            ExtendedDnsBufferSize = section.EdnsBufferSize,

            // The deadline, passed as the cancellation token, is the only bound, so that a timeout DnsClient
            // reports before it can only mean a failure of another kind.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        });

        // Timed from the query sent to the answer parsed, as dig's query time: building the client is Sentinel's own work.
        var question = new DnsQuestion(query.Name, query.Type, QueryClass.IN);
        using var log = DnsClientLog.Begin();
        var start = context.Time.GetTimestamp();
        try
        {
            var response = await client.QueryAsync(question, cancellationToken).ConfigureAwait(false);
            return new Outcome(response, null, false, context.Time.GetElapsedTime(start));
        }
        catch (Exception ex) when (Classify(ex, log.ParseFailure, server, query, deadline, overTcp, cancellationToken) is { } outcome)
        {
            return outcome with { Elapsed = context.Time.GetElapsedTime(start) };
        }
    }

    /// <summary>What a DnsClient exception means; null for one that is not about the server (a fault of Sentinel's, left to the runner).</summary>
    private static Outcome? Classify(
        Exception exception, DnsResponseParseException? unparsable, DnsServer server, DnsQuery query, Deadline deadline, bool overTcp, CancellationToken cancellationToken) => exception switch
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
    private static Problem Timeout(DnsServer server, DnsQuery query, Deadline deadline, bool overTcp) =>
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
