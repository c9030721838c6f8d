namespace Sentinel.Probes.Dns;

/// <summary>The measurements of a dns check, all from the first server's answer (with the system's resolvers, the one that answered).</summary>
internal static class DnsMeasurements
{
    /// <summary>The rcode, as text (<c>"NOERROR"</c>).</summary>
    public const string Rcode = "dns.rcode";

    /// <summary>Records in the answer section.</summary>
    public const string AnswerCount = "dns.answer_count";

    /// <summary>Records in the authority section.</summary>
    public const string AuthorityCount = "dns.authority_count";

    /// <summary>Records in the additional section, without the EDNS0 OPT record.</summary>
    public const string AdditionalCount = "dns.additional_count";

    /// <summary>Query sent → answer parsed, the <c>lookup</c> phase of the first server.</summary>
    public const string LookupMs = "dns.lookup_ms";

    /// <summary>The lowest answer TTL, seconds; absent without answers.</summary>
    public const string TtlMin = "dns.ttl_min";

    /// <summary>The normalised answer set, sorted (<c>"www.example.com. A 192.0.2.1"</c>).</summary>
    public const string Answers = "dns.answers";

    /// <summary>The SOA serial, for SOA queries.</summary>
    public const string Serial = "dns.serial";

    /// <summary>Every measurement of the type, for assertions, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Rcode, AnswerCount, AuthorityCount, AdditionalCount, LookupMs, TtlMin, Answers, Serial];
}
