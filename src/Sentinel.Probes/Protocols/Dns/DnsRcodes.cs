using DnsClient;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>
/// What a failing rcode means, for the dns probe and for the resolver of tcp, http and tls checks
/// (<c>DnsServerHostResolver</c>) alike, so that one rcode gets one category and one hint whoever asked:
/// NXDOMAIN, SERVFAIL and REFUSED have categories of their own, other rcodes are <c>dns_rcode</c> with a hint
/// for each (RFC 6895, 2.3). NOERROR is a failure only where a dns check expects another rcode, which its
/// expectations word themselves.
/// </summary>
internal static class DnsRcodes
{
    /// <summary>The category of a failure for <paramref name="rcode"/>.</summary>
    public static string Category(DnsHeaderResponseCode rcode) => rcode switch
    {
        DnsHeaderResponseCode.NotExistentDomain => FailureCategories.DnsNxdomain,
        DnsHeaderResponseCode.ServerFailure => FailureCategories.DnsServfail,
        DnsHeaderResponseCode.Refused => FailureCategories.DnsRefused,
        DnsHeaderResponseCode.NoError => FailureCategories.DnsUnexpectedAnswer,
        _ => FailureCategories.DnsRcode,
    };

    /// <summary>The hint for <paramref name="server"/> answering <paramref name="rcode"/> to a query for <paramref name="name"/>.</summary>
    public static string Hint(DnsHeaderResponseCode rcode, string server, string name, DnsAsking asking) => rcode switch
    {
        DnsHeaderResponseCode.NotExistentDomain => $"check the name for typos and that it is published in the zone {server} serves",
        DnsHeaderResponseCode.ServerFailure => "the zone's authoritative servers may be unreachable or DNSSEC validation failing; query them directly with dig",
        DnsHeaderResponseCode.Refused => asking.Recursion
            ? $"{server} does not serve this client or this zone; check its access rules"
            : $"{server} may serve only recursive queries; set recursion to true, or ask the zone's authoritative servers",

        // Servers that predate EDNS0 (RFC 6891, 7) answer a query with an OPT record FORMERR.
        DnsHeaderResponseCode.FormatError => asking.EdnsBufferSize <= 512
            ? $"{server} could not parse the query, although it carried no EDNS0; compare with dig and the server's logs"
            : asking.CheckSetsEdns
                ? $"{server} could not parse the query; a server that does not understand EDNS0 answers so: try \"ednsBufferSize\": 512 (no OPT record), and compare with dig +noedns"
                : $"{server} could not parse the query; a server that does not understand EDNS0 (the query carried an OPT record) answers so: compare with dig +noedns, or use a resolver that speaks EDNS0",
        DnsHeaderResponseCode.NotImplemented => $"{server} does not implement this kind of query (its opcode, class or record type); ask a server that does, or compare with dig",
        DnsHeaderResponseCode.NotAuthorized => $"{server} is not authoritative for the zone of {name} (RFC 2136), or rejected the request's signature (RFC 8945); ask the zone's authoritative servers (dig NS)",
        DnsHeaderResponseCode.ExistingDomain or DnsHeaderResponseCode.ExistingResourceRecordSet or DnsHeaderResponseCode.MissingResourceRecordSet or DnsHeaderResponseCode.NotZone =>
            $"this rcode belongs to dynamic updates (RFC 2136), not queries: {server} or something on the way rewrote the reply; compare with dig",
        _ => $"{server} gave an rcode a query should not get; query it directly with dig to see why",
    };
}
