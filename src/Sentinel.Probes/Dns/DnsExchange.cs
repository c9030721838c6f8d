using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using DnsClient.Protocol.Options;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Dns;

/// <summary>What one server said, or why it said nothing usable.</summary>
internal sealed class DnsServerAnswer
{
    public required DnsServer Server { get; init; }

    /// <summary>How the answer came: <c>udp</c>, <c>tcp</c>, or <c>udp+tcp</c> when a truncated UDP answer was asked again over TCP.</summary>
    public required string Transport { get; init; }

    /// <summary>From sending the query to the answer parsed, over both transports when it fell back to TCP.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Whether the UDP answer was truncated.</summary>
    public bool Truncated { get; init; }

    /// <summary>The response, when one was received and parsed.</summary>
    public IDnsQueryResponse? Response { get; init; }

    /// <summary>Why there is no response.</summary>
    public Problem? Failure { get; init; }

    public IReadOnlyList<DnsRecordView> Answers { get; init; } = [];

    public IReadOnlyList<DnsRecordView> Authority { get; init; } = [];

    /// <summary>The additional section without the OPT pseudo-record, which carries EDNS0 and is not data (RFC 6891 §6.1.1).</summary>
    public IReadOnlyList<DnsRecordView> Additional { get; init; } = [];

    /// <summary>The OPT pseudo-record of the response (RFC 6891 §6.1.2), when the server answered with EDNS0.</summary>
    public OptRecord? Edns => Response?.Additionals.OfType<OptRecord>().FirstOrDefault();

    public DnsHeaderResponseCode? Rcode => Response?.Header.ResponseCode;

    /// <summary>The answer set in normal form, sorted: what drift and agreement compare.</summary>
    public IReadOnlyList<string> NormalisedAnswers => Answers.Select(a => a.Normalised).Distinct().Order(StringComparer.Ordinal).ToArray();
}

/// <summary>
/// Sends one query to one server with DnsClient and classifies what went wrong. Each query gets its own
/// client, so nothing is cached and each run opens its own TCP connection. DnsClient's own retries and TCP
/// fallback are off: the fallback is done here, so that a truncated answer is seen and reported, and the
/// check's deadline is the only bound.
/// </summary>
internal static class DnsExchange
{
    public static async Task<DnsServerAnswer> QueryAsync(
        DnsServer server, DnsQuery query, DnsSection section, CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var overTcp = section.Transport == DnsTransport.Tcp;
        var outcome = await AskAsync(server, query, section, check, overTcp, context, cancellationToken).ConfigureAwait(false);
        if (outcome.Truncated && !overTcp && section.TcpFallback)
        {
            // RFC 7766 §5: a truncated UDP answer is asked again over TCP, which has no size limit. The lookup
            // time is both exchanges (dig reports only the TCP one).
            var retry = await AskAsync(server, query, section, check, true, context, cancellationToken).ConfigureAwait(false);
            return Answer(server, "udp+tcp", outcome.Elapsed + retry.Elapsed, truncated: true, retry.Response, retry.Failure);
        }

        return Answer(server, overTcp ? "tcp" : "udp", outcome.Elapsed, outcome.Truncated, outcome.Response,
            outcome.Truncated
                ? Fail(FailureCategories.DnsTruncated,
                    $"{server.Name} sent a truncated UDP answer for {query} (TC flag set, or the reply cut short), and the check does not allow TCP",
                    "allow TCP (remove \"tcpFallback\": false) or raise ednsBufferSize so that the answer fits")
                : outcome.Failure);
    }

    private static DnsServerAnswer Answer(DnsServer server, string transport, TimeSpan elapsed, bool truncated, IDnsQueryResponse? response, Problem? failure) => new()
    {
        Server = server,
        Transport = transport,
        Elapsed = elapsed,
        Truncated = truncated,
        Response = response,
        Failure = failure,
        Answers = response?.Answers.Select(DnsRecordView.From).ToArray() ?? [],
        Authority = response?.Authorities.Select(DnsRecordView.From).ToArray() ?? [],
        Additional = response?.Additionals.Where(r => r.RecordType != ResourceRecordType.OPT).Select(DnsRecordView.From).ToArray() ?? [],
    };

    private readonly record struct Outcome(IDnsQueryResponse? Response, Problem? Failure, bool Truncated, TimeSpan Elapsed);

    private static async Task<Outcome> AskAsync(
        DnsServer server, DnsQuery query, DnsSection section, CheckDefinition check, bool overTcp, ProbeContext context, CancellationToken cancellationToken)
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(server.EndPoint))
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

            // The check's deadline, passed as the cancellation token, is the only bound, so that a timeout
            // DnsClient reports before it can only mean a failure of another kind.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        });

        // Timed from the query sent to the answer parsed, as dig's query time: building the client is Sentinel's own work.
        var question = new DnsQuestion(query.Name, query.Type, QueryClass.IN);
        var start = context.Time.GetTimestamp();
        try
        {
            var response = await client.QueryAsync(question, cancellationToken).ConfigureAwait(false);
            return new Outcome(response, null, false, context.Time.GetElapsedTime(start));
        }
        catch (Exception ex) when (Classify(ex, server, query, check, overTcp, cancellationToken) is { } outcome)
        {
            return outcome with { Elapsed = context.Time.GetElapsedTime(start) };
        }
    }

    /// <summary>What a DnsClient exception means; null for one that is not about the server (a fault of Sentinel's, left to the runner).</summary>
    private static Outcome? Classify(Exception exception, DnsServer server, DnsQuery query, CheckDefinition check, bool overTcp, CancellationToken cancellationToken) => exception switch
    {
        // DnsClient reports the caller's cancellation as a timeout of its own; the deadline is the caller's.
        DnsResponseException when cancellationToken.IsCancellationRequested => Failed(Timeout(server, query, check, overTcp)),

        // With its own fallback off, DnsClient reports a TC answer (or a UDP reply of 512 bytes or less that is
        // cut short, which it takes for an unflagged truncation) as this error; the answer is not kept.
        DnsResponseException { Code: DnsResponseCode.Unassigned } ex when !overTcp && ex.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
            => new Outcome(null, null, true, TimeSpan.Zero),
        DnsResponseException { InnerException: SocketException socket } => Failed(Socket(server, query, socket, overTcp)),

        // DnsClient has no timeout of its own here, so over TCP this is its report of a connection that ended early.
        DnsResponseException { Code: DnsResponseCode.ConnectionTimeout } when overTcp => Failed(Fail(FailureCategories.DnsMalformed,
            $"{server.Name} closed the TCP connection without answering {query}",
            "the server or a middlebox dropped the query; compare with dig +tcp and the server's logs")),
        DnsResponseException { Code: DnsResponseCode.ConnectionTimeout } => Failed(Timeout(server, query, check, overTcp)),
        DnsResponseException ex => Failed(Malformed(server, query, ex.InnerException?.Message ?? ex.Message)),
        DnsResponseParseException ex => Failed(Malformed(server, query, $"the reply cannot be parsed ({ex.Message})")),
        DnsXidMismatchException => Failed(Malformed(server, query, "the reply's id does not match the query's")),
        _ => null,
    };

    private static Outcome Failed(Problem problem) => new(null, problem, false, TimeSpan.Zero);

    private static Problem Timeout(DnsServer server, DnsQuery query, CheckDefinition check, bool overTcp) =>
        Fail(FailureCategories.DnsTimeout,
            $"no answer from {server.Name} over {(overTcp ? "TCP" : "UDP")} for {query} within the check's timeout ({Duration.Format(check.Timeout)})",
            $"check that {server.Name} is running and reachable from this node over {(overTcp ? "TCP" : "UDP")}, and not dropping queries");

    private static Problem Socket(DnsServer server, DnsQuery query, SocketException ex, bool overTcp) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused when overTcp => new Problem(Layers.Tcp, FailureCategories.TcpRefused,
            $"{server.Name} refused the TCP connection for {query}: nothing listens on TCP port {server.EndPoint.Port}",
            "a DNS server must answer over TCP too (RFC 7766); is it running, and listening on TCP as well as UDP?"),
        SocketError.ConnectionRefused => Fail(FailureCategories.DnsTimeout,
            $"{server.Name} is not answering for {query}: its port is closed (ICMP port unreachable)",
            $"start the DNS server at {server.Name}, or correct the check's servers"),
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => new Problem(Layers.Tcp, FailureCategories.NetworkUnreachable,
            $"no route to {server.EndPoint.Address} for {query}: {ex.Message}",
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
