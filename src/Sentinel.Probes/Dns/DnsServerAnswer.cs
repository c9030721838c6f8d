using System.Net;
using DnsClient;
using DnsClient.Protocol;
using DnsClient.Protocol.Options;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// What one server said, or why it said nothing usable. A server named by host name is first resolved with the
/// system resolver, timed on its own, and asked at the first address it gives (as blackbox_exporter does); the
/// exchange itself is <see cref="DnsExchange"/>, which a check's resolver uses too.
/// </summary>
internal sealed class DnsServerAnswer
{
    public required DnsServer Server { get; init; }

    /// <summary>The address asked: the server's own, or the first the system resolver gave for its name; null when its name did not resolve.</summary>
    public IPEndPoint? EndPoint { get; init; }

    /// <summary>How the answer came: <c>udp</c>, <c>tcp</c>, or <c>udp+tcp</c> when a truncated UDP answer was asked again over TCP.</summary>
    public required string Transport { get; init; }

    /// <summary>Finding the server's address: resolving its name, or the near-zero no-op for an address.</summary>
    public TimeSpan ResolveElapsed { get; init; }

    /// <summary>From sending the query to the answer parsed, over both transports when it fell back to TCP.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Whether the UDP answer was truncated (its TC flag was set).</summary>
    public bool Truncated { get; init; }

    /// <summary>The response, when one was received and parsed.</summary>
    public IDnsQueryResponse? Response { get; init; }

    /// <summary>Why there is no response.</summary>
    public Problem? Failure { get; init; }

    /// <summary>The system resolvers asked before this one, which did not answer usably (resolv.conf order, failover as libc does).</summary>
    public IReadOnlyList<DnsServerAnswer> FailedOver { get; init; } = [];

    public IReadOnlyList<DnsRecordView> Answers { get; init; } = [];

    public IReadOnlyList<DnsRecordView> Authority { get; init; } = [];

    /// <summary>The additional section without the OPT pseudo-record, which carries EDNS0 and is not data (RFC 6891 §6.1.1).</summary>
    public IReadOnlyList<DnsRecordView> Additional { get; init; } = [];

    /// <summary>The OPT pseudo-record of the response (RFC 6891 §6.1.2), when the server answered with EDNS0.</summary>
    public OptRecord? Edns => Response?.Additionals.OfType<OptRecord>().FirstOrDefault();

    public DnsHeaderResponseCode? Rcode => Response?.Header.ResponseCode;

    /// <summary>The answer set in normal form, sorted: what drift and agreement compare.</summary>
    public IReadOnlyList<string> NormalisedAnswers => Answers.Select(a => a.Normalised).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>How the report names the server: as written, with the address asked when that was a name.</summary>
    public string Shown => Server.Address is null && EndPoint is { } endPoint ? $"{Server.Name} ({endPoint.Address})" : Server.Name;

    /// <summary>
    /// Asks <paramref name="server"/> within the deadline that <paramref name="cancellationToken"/> carries: the
    /// check's, or the share of it given by <paramref name="share"/> when the server is one of several asked in turn
    /// (null for the whole timeout), which the messages then name.
    /// </summary>
    public static async Task<DnsServerAnswer> AskAsync(
        DnsServer server, DnsQuery query, DnsSection section, CheckDefinition check, ProbeContext context, CancellationToken cancellationToken, TimeSpan? share = null)
    {
        var resolveStart = context.Time.GetTimestamp();
        var (endPoint, unresolved) = await LocateAsync(server, check, context, cancellationToken).ConfigureAwait(false);
        var resolved = context.Time.GetElapsedTime(resolveStart);
        if (endPoint is null)
        {
            return new DnsServerAnswer { Server = server, Transport = section.Transport == DnsTransport.Tcp ? "tcp" : "udp", ResolveElapsed = resolved, Elapsed = TimeSpan.Zero, Failure = unresolved };
        }

        var reply = await DnsExchange.AskAsync(server, endPoint, query, section.Asking, new DnsDeadline(check.Timeout, share), context.Time, cancellationToken).ConfigureAwait(false);
        var response = reply.Response;
        return new DnsServerAnswer
        {
            Server = server,
            EndPoint = endPoint,
            Transport = reply.Transport,
            ResolveElapsed = resolved,
            Elapsed = reply.Elapsed,
            Truncated = reply.Truncated,
            Response = response,
            Failure = reply.Failure,
            Answers = response?.Answers.Select(DnsRecordView.From).ToArray() ?? [],
            Authority = response?.Authorities.Select(DnsRecordView.From).ToArray() ?? [],
            Additional = response?.Additionals.Where(r => r.RecordType != ResourceRecordType.OPT).Select(DnsRecordView.From).ToArray() ?? [],
        };
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
}
