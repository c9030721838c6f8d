using System.Net;
using DnsClient;
using Sentinel.Probes.Names;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// A dns check's target and the query it makes: the target is the name as written, or an IP address, which is
/// looked up in reverse as dig -x does: its in-addr.arpa or ip6.arpa name, type PTR. The name is asked as given,
/// without the resolver's search domains (as dig does by default).
/// </summary>
internal static class DnsTarget
{
    /// <summary>Checks a target: a DNS name (any label RFC 2181 §11 allows, such as <c>*</c>, <c>_dmarc</c> or <c>0/25</c>; <c>.</c> for the root) or an IP address.</summary>
    public static string? Validate(string target)
    {
        if (!target.StartsWith('[') && (target == "." || IsAddress(target, out _)))
        {
            return null;
        }

        if (target.Contains(':', StringComparison.Ordinal) || target.StartsWith('['))
        {
            return $"expected a domain name or an IP address (without brackets or port), got \"{target}\"; the servers go in dns.servers";
        }

        return DnsNames.TryNormalise(target, out _, out var error) ? null : error;
    }

    /// <summary>The record type a check asks for: its own, else A, or PTR for an address target; null with an error when they clash.</summary>
    public static QueryType? TypeFor(string target, QueryType? declared, out string? error)
    {
        error = null;
        if (!IsAddress(target, out _))
        {
            return declared ?? QueryType.A;
        }

        if (declared is null or QueryType.PTR)
        {
            return QueryType.PTR;
        }

        error = $"a target that is an IP address is looked up in reverse (PTR, as dig -x does); recordType must be \"PTR\" or left out, got \"{DnsVocabulary.Name(declared.Value)}\"";
        return null;
    }

    /// <summary>The query of a valid check.</summary>
    public static DnsQuery Query(string target, DnsSection section)
    {
        var type = TypeFor(target, section.RecordType, out var error) ?? throw new ArgumentException(error, nameof(target));
        if (IsAddress(target, out var address))
        {
            return new DnsQuery(address.GetArpaName(), type);
        }

        return DnsNames.TryNormalise(target, out var name, out var invalid)
            ? new DnsQuery(name, type)
            : throw new ArgumentException(invalid, nameof(target));
    }

    private static bool IsAddress(string target, out IPAddress address) =>
        IPAddress.TryParse(target, out address!)
        && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? !target.Contains('%', StringComparison.Ordinal) : target.Count(c => c == '.') == 3);
}
