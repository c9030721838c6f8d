using DnsClient;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>The record types a check may ask for and the rcodes it may accept, by their mnemonics (RFC 1035, 6895).</summary>
internal static class DnsVocabulary
{
    /// <summary>The record types a <c>dns</c> check may query, by mnemonic.</summary>
    public static readonly IReadOnlyDictionary<string, QueryType> RecordTypes = new Dictionary<string, QueryType>(StringComparer.Ordinal)
    {
        ["A"] = QueryType.A,
        ["AAAA"] = QueryType.AAAA,
        ["CAA"] = QueryType.CAA,
        ["CNAME"] = QueryType.CNAME,
        ["MX"] = QueryType.MX,
        ["NS"] = QueryType.NS,
        ["PTR"] = QueryType.PTR,
        ["SOA"] = QueryType.SOA,
        ["SRV"] = QueryType.SRV,
        ["TXT"] = QueryType.TXT,
    };

    /// <summary>The rcodes by mnemonic, as dig and blackbox_exporter's valid_rcodes name them (RFC 6895 §2.3).</summary>
    public static readonly IReadOnlyDictionary<string, DnsHeaderResponseCode> Rcodes = new Dictionary<string, DnsHeaderResponseCode>(StringComparer.Ordinal)
    {
        ["NOERROR"] = DnsHeaderResponseCode.NoError,
        ["FORMERR"] = DnsHeaderResponseCode.FormatError,
        ["SERVFAIL"] = DnsHeaderResponseCode.ServerFailure,
        ["NXDOMAIN"] = DnsHeaderResponseCode.NotExistentDomain,
        ["NOTIMP"] = DnsHeaderResponseCode.NotImplemented,
        ["REFUSED"] = DnsHeaderResponseCode.Refused,
        ["YXDOMAIN"] = DnsHeaderResponseCode.ExistingDomain,
        ["YXRRSET"] = DnsHeaderResponseCode.ExistingResourceRecordSet,
        ["NXRRSET"] = DnsHeaderResponseCode.MissingResourceRecordSet,
        ["NOTAUTH"] = DnsHeaderResponseCode.NotAuthorized,
        ["NOTZONE"] = DnsHeaderResponseCode.NotZone,
    };

    /// <summary>The mnemonic of a query type, e.g. <c>MX</c>.</summary>
    public static string Name(QueryType type) => type.ToString();

    /// <summary>The mnemonic of an rcode; an rcode without one shows as <c>RCODE15</c>, as dig does.</summary>
    public static string Name(DnsHeaderResponseCode code)
    {
        foreach (var (name, value) in Rcodes)
        {
            if (value == code)
            {
                return name;
            }
        }

        return $"RCODE{(int)code}";
    }
}
