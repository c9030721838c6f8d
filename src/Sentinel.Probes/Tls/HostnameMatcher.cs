using System.Globalization;
using System.Net;

namespace Sentinel.Probes.Tls;

/// <summary>
/// Whether a certificate is valid for a host, per RFC 6125 (section 6) as browsers apply it today: only the
/// subject alternative names count (the subject CN is ignored, as Chrome and Go do since RFC 2818 deprecated it);
/// DNS names compare case-insensitively in their A-label (IDNA) form; a wildcard matches only as the whole
/// left-most label and exactly one label (<c>*.a.test</c> covers <c>x.a.test</c>, neither <c>a.test</c> nor
/// <c>x.y.a.test</c>), and partial wildcards such as <c>w*.a.test</c> match nothing (6.4.3 leaves them to
/// the client; browsers refuse them); an IP address target matches only IP SANs (6.2.1 / RFC 2818, 3.1).
/// </summary>
internal static class HostnameMatcher
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Whether <paramref name="certificate"/> names <paramref name="host"/> (a DNS name or an IP address).</summary>
    public static bool Matches(CertificateFacts certificate, string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return certificate.IpAddresses.Any(a => Normalise(a).Equals(Normalise(address)));
        }

        if (ToAscii(host) is not { } name)
        {
            return false;
        }

        return certificate.DnsNames.Any(presented => MatchesName(presented, name));
    }

    /// <summary>Whether one presented DNS identifier matches the reference name (both compared in A-label form).</summary>
    public static bool MatchesName(string presented, string referenceAscii)
    {
        if (presented.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = ToAscii(presented[2..]);
            var dot = referenceAscii.IndexOf('.', StringComparison.Ordinal);

            // The wildcard stands for exactly one whole, non-empty label; the rest must match label for label.
            return suffix is not null && !suffix.Contains('*', StringComparison.Ordinal) && dot > 0
                && string.Equals(referenceAscii[(dot + 1)..], suffix, StringComparison.Ordinal);
        }

        if (presented.Contains('*', StringComparison.Ordinal))
        {
            return false;
        }

        return ToAscii(presented) is { } ascii && string.Equals(ascii, referenceAscii, StringComparison.Ordinal);
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
