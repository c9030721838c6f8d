using System.Net;
using DnsClient;
using DnsClient.Protocol;
using DnsClient.Protocol.Options;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Dns;

/// <summary>What one server said, or why it said nothing usable.</summary>
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
}
