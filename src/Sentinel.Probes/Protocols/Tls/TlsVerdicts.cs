using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Names;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// Derives the certificate verdicts from the certificates themselves, because X509Chain's status is coarser
/// than what people need: NotTimeValid covers expired and not yet valid, UntrustedRoot covers self-signed and
/// unknown root, and SHA-1 signatures or 1024-bit keys raise no status at all.
/// </summary>
internal static class TlsVerdicts
{
    /// <summary>
    /// Every verdict about the chain, most important first. Dates, signatures and keys are judged on the chain as
    /// built (<see cref="TlsChain.Judged"/>), as OpenSSL and browsers judge them: a certificate the server sends
    /// but no path uses, such as the expired DST Root CA X3 cross-sign many servers kept sending, breaks no client.
    /// </summary>
    public static IEnumerable<Problem> Judge(TlsChain chain, string expectedHost, TlsTrust trust, TimeSpan threshold, DateTimeOffset now)
    {
        var leaf = chain.Certificates[0];
        var judged = chain.Judged;

        if (judged.Where(c => c.Facts.NotAfter <= now).MinBy(c => c.Facts.NotAfter) is { } expired)
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsExpired,
                $"{expired.Describe()} expired {Days(-expired.Facts.DaysLeft(now))} ago, on {Date(expired.Facts.NotAfter)}{More(judged.Count(c => c.Facts.NotAfter <= now))}",
                expired.Position == ChainPosition.Leaf
                    ? "renew the certificate and reload the server; if it renews automatically, its renewal job has stopped"
                    : "install the CA's current intermediate in the server's chain file (the server still sends an expired one)");
        }

        if (judged.Where(c => c.Facts.NotBefore > now).MinBy(c => c.Facts.NotBefore) is { } early)
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsNotYetValid,
                $"{early.Describe()} is not valid until {Date(early.Facts.NotBefore)}, {Days((early.Facts.NotBefore - now).TotalDays)} from now",
                "the certificate was issued with a start date in the future, or this node's clock is behind: compare its time with NTP");
        }

        if (HostnameMatcher.Check(leaf.Facts, expectedHost) is { Matches: false } mismatch)
        {
            var names = leaf.Facts.AlternativeNameList.ToList();
            yield return new Problem(Layers.Tls, FailureCategories.TlsHostnameMismatch,
                names.Count == 0
                    ? $"the certificate ({leaf.Facts.Subject}) is not valid for {expectedHost}: it has no subject alternative names (the CN is not used)"
                    : $"the certificate ({leaf.Facts.Subject}) is not valid for {expectedHost}: it names {string.Join(", ", names.Take(10))}{(names.Count > 10 ? $" and {names.Count - 10} more" : "")}{mismatch.Note}",
                $"serve a certificate whose subject alternative names cover {expectedHost} (a wildcard covers one whole left-most label only), or set serverName to a name it covers");
        }

        foreach (var trustProblem in TlsTrustVerdicts.Judge(chain, trust))
        {
            yield return trustProblem;
        }

        foreach (var weak in judged.Where(c => c.Facts.WeakHash is not null && !c.Facts.SelfIssued))
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsWeakSignature,
                $"{weak.Describe()} is signed with {weak.Facts.WeakHash} ({weak.Facts.SignatureAlgorithm}), which browsers and OpenSSL reject",
                weak.Position == ChainPosition.Leaf
                    ? "reissue the certificate with a SHA-256 signature"
                    : "install the CA's current intermediate, signed with SHA-256, in the server's chain file");
        }

        foreach (var weak in judged.Where(c => c.Facts.WeakKeyReason is not null))
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsWeakKey,
                $"{weak.Describe()} has {weak.Facts.WeakKeyReason}",
                "reissue the certificate with an RSA key of 2048 bits or more, or an ECDSA P-256 or P-384 key");
        }

        var expiring = judged.Where(c => c.Facts.NotAfter > now && c.Facts.NotAfter - now < threshold).ToList();
        if (expiring.MinBy(c => c.Facts.NotAfter) is { } soonest)
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsExpiring,
                $"{soonest.Describe()} expires in {Days(soonest.Facts.DaysLeft(now))}, on {Date(soonest.Facts.NotAfter)} (threshold {Days(threshold.TotalDays)}){More(expiring.Count)}",
                soonest.Position == ChainPosition.Leaf
                    ? "renew the certificate now; if it renews automatically, check why it has not yet"
                    : "the CA's intermediate expires soon: install its successor in the server's chain file",
                ProblemSeverity.Warning);
        }
    }

    /// <summary>
    /// What is worth knowing but breaks no client: an expired certificate the server sends that the chain does not
    /// use, and a wildcard accepted without the Public Suffix List to check it against.
    /// </summary>
    public static IEnumerable<Finding> Findings(TlsChain chain, string expectedHost, DateTimeOffset now)
    {
        if (chain.BuildError is null)
        {
            foreach (var unused in chain.Certificates.Where(c => c.Position == ChainPosition.Unused && c.Facts.NotAfter <= now))
            {
                yield return new Finding("tls.unused_certificate_expired", FindingSeverity.Info,
                    $"the server also sends {unused.Facts.Subject} (issued by {unused.Facts.Issuer}), which expired {Days(-unused.Facts.DaysLeft(now))} ago, on {Date(unused.Facts.NotAfter)}; the chain does not use it, so current clients are not affected",
                    "remove it from the server's chain file: it only lengthens the handshake, and old clients (OpenSSL 1.0.x, old Android) may still pick the expired path",
                    [new("sha256", unused.Facts.Sha256), new("sentIndex", unused.SentIndex?.ToString(CultureInfo.InvariantCulture) ?? "")]);
            }
        }

        if (HostnameMatcher.Check(chain.Certificates[0].Facts, expectedHost) is { Matches: true, Note: { } note })
        {
            yield return new Finding("tls.wildcard_unchecked", FindingSeverity.Info,
                $"the certificate matches {expectedHost}{note}",
                $"install the Public Suffix List ({PublicSuffixList.DefaultPath}, Debian's publicsuffix package) so that wildcards over public suffixes such as *.co.uk are refused as browsers refuse them");
        }
    }

    private static string More(int count) => count > 1 ? $" ({count - 1} more in the chain)" : "";

    internal static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    /// <summary>Days with one decimal below ten, whole days above.</summary>
    internal static string Days(double days) => days switch
    {
        < 1 and >= 0 => $"{Math.Round(days * 24, 1).ToString("0.#", CultureInfo.InvariantCulture)} hours",
        < 10 => Math.Round(days, 1) == 1 ? "1 day" : $"{Math.Round(days, 1).ToString("0.#", CultureInfo.InvariantCulture)} days",
        _ => $"{Math.Floor(days).ToString(CultureInfo.InvariantCulture)} days",
    };

    internal static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
