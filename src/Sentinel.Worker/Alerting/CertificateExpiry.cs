using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Tls;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// What a result says about the certificate its target served: the leaf's SHA-256 fingerprint (the alert's key), its
/// name, and the certificate of the chain that expires first (a leaf renewed on an intermediate that expires sooner
/// is still in trouble), with its lifetime.
/// </summary>
/// <param name="Fingerprint">The leaf's SHA-256 fingerprint, lower-case hex.</param>
/// <param name="Name">The leaf's subject common name, or its first DNS name.</param>
/// <param name="Earliest">How messages name the certificate that expires first.</param>
/// <param name="NotBefore">When that certificate became valid.</param>
/// <param name="NotAfter">When it expires.</param>
internal sealed record ServedCertificate(string Fingerprint, string Name, string Earliest, DateTimeOffset NotBefore, DateTimeOffset NotAfter)
{
    /// <summary>The certificate of <paramref name="result"/>'s TLS handshake (tls, https and headers checks), or null when it has none.</summary>
    public static ServedCertificate? Of(ProbeResult result)
    {
        var handshake = result.Details switch
        {
            TlsDetails tls => tls.Handshake,
            HttpDetails http => http.Tls,
            _ => null,
        };
        if (handshake?.Chain is not { } chain)
        {
            return null;
        }

        // A root is a trust anchor, renewed by whoever maintains the trust store, not by the target's owner.
        var path = chain.Path.Where(c => c.Position != ChainPosition.Root).ToList();
        if (path.Count == 0)
        {
            return null;
        }

        var leaf = path[0].Facts;
        var earliest = path.MinBy(c => c.Facts.NotAfter)!;
        var name = leaf.Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } cn ? cn
            : leaf.DnsNames.Count > 0 ? leaf.DnsNames[0] : leaf.Subject;
        return new ServedCertificate(leaf.Sha256.Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant(), name,
            earliest.Describe(), earliest.Facts.NotBefore, earliest.Facts.NotAfter);
    }

    /// <summary>Days left at <paramref name="now"/>, to the nearest whole day (23 hours is "1 day"), never below 0.</summary>
    public int DaysLeft(DateTimeOffset now) => (int)Math.Max(0, Math.Round((NotAfter - now).TotalDays, MidpointRounding.AwayFromZero));

    /// <summary>
    /// The thresholds crossed at <paramref name="now"/>: each of <paramref name="days"/> at or above the days left,
    /// and <c>lifetime</c> when less than <paramref name="lifetimeFraction"/> of the certificate's own lifetime is left.
    /// </summary>
    public IReadOnlyList<string> Crossed(DateTimeOffset now, IReadOnlyList<int> days, double lifetimeFraction)
    {
        var left = NotAfter - now;
        var crossed = days.Where(d => left <= TimeSpan.FromDays(d)).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList();
        if (left < (NotAfter - NotBefore) * lifetimeFraction)
        {
            crossed.Add("lifetime");
        }

        return crossed;
    }
}
