using System.Globalization;
using System.Net;
using Sentinel.Probes.Names;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>The outcome of matching a host against a certificate's names.</summary>
/// <param name="Matches">Whether a subject alternative name covers the host.</param>
/// <param name="Note">
/// Text for the verdict's message, starting with a space: why a wildcard that has the right shape is refused;
/// or, for a match through a wildcard, that no Public Suffix List was there to check it. Null otherwise.
/// </param>
internal readonly record struct HostnameMatch(bool Matches, string? Note);

/// <summary>
/// Whether a certificate is valid for a host, per RFC 6125 (section 6) as browsers apply it today: only the
/// subject alternative names count (the subject CN is ignored, as Chrome and Go do since RFC 2818 deprecated it);
/// DNS names compare case-insensitively in their A-label (IDNA) form; a wildcard matches only as the whole
/// left-most label and exactly one label (<c>*.a.test</c> covers <c>x.a.test</c>, neither <c>a.test</c> nor
/// <c>x.y.a.test</c>), and partial wildcards such as <c>w*.a.test</c> match nothing (6.4.3 leaves them to
/// the client; browsers refuse them); an IP address target matches only IP SANs (6.2.1 / RFC 2818, 3.1).
/// A wildcard must also leave at least two labels (<c>*.test</c> covers nothing, as OpenSSL's
/// <c>X509_check_host</c> and browsers refuse it), and none over a public suffix of the ICANN section of the
/// Public Suffix List (<c>*.co.uk</c> covers nothing, as in Chrome; <c>*.github.io</c>, a private-section
/// suffix, is a real certificate and matches). Without the list on this node only the two-label rule applies,
/// and a wildcard match says so.
/// </summary>
internal static class HostnameMatcher
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    private enum NameMatch
    {
        None,
        Exact,
        Wildcard,
        WildcardUnchecked,
        WildcardOverOneLabel,
        WildcardOverPublicSuffix,
    }

    /// <summary>Whether <paramref name="certificate"/> names <paramref name="host"/> (a DNS name or an IP address).</summary>
    public static bool Matches(CertificateFacts certificate, string host) => Check(certificate, host).Matches;

    /// <summary>Matches <paramref name="host"/> against the certificate, with the system's Public Suffix List.</summary>
    public static HostnameMatch Check(CertificateFacts certificate, string host) => Check(certificate, host, PublicSuffixList.System?.Icann);

    /// <summary>Matches <paramref name="host"/> against the certificate; <paramref name="suffixes"/> null means no list on this node.</summary>
    public static HostnameMatch Check(CertificateFacts certificate, string host, PublicSuffixList? suffixes)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return new(certificate.IpAddresses.Any(a => Normalise(a).Equals(Normalise(address))), null);
        }

        if (ToAscii(host) is not { } name)
        {
            return new(false, null);
        }

        var outcomes = certificate.DnsNames.Select(presented => (Presented: presented, Match: MatchName(presented, name, suffixes))).ToList();
        if (outcomes.Any(o => o.Match is NameMatch.Exact or NameMatch.Wildcard))
        {
            return new(true, null);
        }

        if (outcomes.FirstOrDefault(o => o.Match == NameMatch.WildcardUnchecked) is { Presented: { } wildcard })
        {
            return new(true, $" through the wildcard {wildcard}, without checking that {wildcard[2..]} is not a public suffix: this node has no Public Suffix List");
        }

        return outcomes.FirstOrDefault(o => o.Match is NameMatch.WildcardOverOneLabel or NameMatch.WildcardOverPublicSuffix) switch
        {
            { Match: NameMatch.WildcardOverOneLabel, Presented: var p } =>
                new(false, $" (the wildcard {p} is refused: a wildcard must leave at least two labels, as OpenSSL and browsers require)"),
            { Match: NameMatch.WildcardOverPublicSuffix, Presented: var p } =>
                new(false, $" (the wildcard {p} is refused: {p[2..]} is a public suffix, and browsers refuse wildcards over one)"),
            _ => new(false, null),
        };
    }

    /// <summary>How one presented DNS identifier matches the reference name (both compared in A-label form).</summary>
    private static NameMatch MatchName(string presented, string referenceAscii, PublicSuffixList? suffixes)
    {
        if (presented.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = ToAscii(presented[2..]);
            var dot = referenceAscii.IndexOf('.', StringComparison.Ordinal);

            // The wildcard stands for exactly one whole, non-empty label; the rest must match label for label.
            if (suffix is null || suffix.Contains('*', StringComparison.Ordinal) || dot <= 0
                || !string.Equals(referenceAscii[(dot + 1)..], suffix, StringComparison.Ordinal))
            {
                return NameMatch.None;
            }

            if (!suffix.Contains('.', StringComparison.Ordinal))
            {
                return NameMatch.WildcardOverOneLabel;
            }

            return suffixes is null ? NameMatch.WildcardUnchecked
                : suffixes.IsPublicSuffix(suffix) ? NameMatch.WildcardOverPublicSuffix
                : NameMatch.Wildcard;
        }

        if (presented.Contains('*', StringComparison.Ordinal))
        {
            return NameMatch.None;
        }

        return ToAscii(presented) is { } ascii && string.Equals(ascii, referenceAscii, StringComparison.Ordinal) ? NameMatch.Exact : NameMatch.None;
    }

    /// <summary>The lower-case A-label form of a DNS name without its trailing dot, or null when it is not one.</summary>
    private static string? ToAscii(string name)
    {
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length == 0)
        {
            return null;
        }

        try
        {
            return Idn.GetAscii(trimmed.ToLowerInvariant()).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
