using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tls;

/// <summary>
/// Derives the certificate verdicts from the certificates themselves, because X509Chain's status is coarser
/// than what people need: NotTimeValid covers expired and not yet valid, UntrustedRoot covers self-signed and
/// unknown root, and SHA-1 signatures or 1024-bit keys raise no status at all.
/// </summary>
internal static class TlsVerdicts
{
    // Flags that are verdicts of their own below (dates, trust, completeness) or do not apply (no revocation checks).
    private const X509ChainStatusFlags Handled = X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested
        | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.RevocationStatusUnknown
        | X509ChainStatusFlags.OfflineRevocation | X509ChainStatusFlags.CtlNotTimeValid | X509ChainStatusFlags.HasWeakSignature;

    /// <summary>Every verdict about the chain, most important first.</summary>
    public static IEnumerable<Problem> Judge(TlsChain chain, string expectedHost, TlsTrust trust, TimeSpan threshold, DateTimeOffset now)
    {
        var leaf = chain.Certificates[0];
        var checkedCertificates = chain.Certificates.ToList();

        if (checkedCertificates.Where(c => c.Facts.NotAfter <= now).MinBy(c => c.Facts.NotAfter) is { } expired)
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsExpired,
                $"{expired.Describe()} expired {Days(-expired.Facts.DaysLeft(now))} ago, on {Date(expired.Facts.NotAfter)}{More(checkedCertificates.Count(c => c.Facts.NotAfter <= now))}",
                expired.Position == ChainPosition.Leaf
                    ? "renew the certificate and reload the server; if it renews automatically, its renewal job has stopped"
                    : "install the CA's current intermediate in the server's chain file (the server still sends an expired one)");
        }

        if (checkedCertificates.Where(c => c.Facts.NotBefore > now).MinBy(c => c.Facts.NotBefore) is { } early)
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsNotYetValid,
                $"{early.Describe()} is not valid until {Date(early.Facts.NotBefore)}, {Days((early.Facts.NotBefore - now).TotalDays)} from now",
                "the certificate was issued with a start date in the future, or this node's clock is behind: compare its time with NTP");
        }

        if (!HostnameMatcher.Matches(leaf.Facts, expectedHost))
        {
            var names = leaf.Facts.AlternativeNameList.ToList();
            yield return new Problem(Layers.Tls, FailureCategories.TlsHostnameMismatch,
                names.Count == 0
                    ? $"the certificate ({leaf.Facts.Subject}) is not valid for {expectedHost}: it has no subject alternative names (the CN is not used)"
                    : $"the certificate ({leaf.Facts.Subject}) is not valid for {expectedHost}: it names {string.Join(", ", names.Take(10))}{(names.Count > 10 ? $" and {names.Count - 10} more" : "")}",
                $"serve a certificate whose subject alternative names cover {expectedHost} (a wildcard covers one whole left-most label only), or set serverName to a name it covers");
        }

        foreach (var trustProblem in Trust(chain, trust))
        {
            yield return trustProblem;
        }

        foreach (var weak in checkedCertificates.Where(c => c.Facts.WeakHash is not null && !c.Facts.SelfIssued))
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsWeakSignature,
                $"{weak.Describe()} is signed with {weak.Facts.WeakHash} ({weak.Facts.SignatureAlgorithm}), which browsers and OpenSSL reject",
                weak.Position == ChainPosition.Leaf
                    ? "reissue the certificate with a SHA-256 signature"
                    : "install the CA's current intermediate, signed with SHA-256, in the server's chain file");
        }

        foreach (var weak in checkedCertificates.Where(c => c.Facts.WeakKeyReason is not null))
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsWeakKey,
                $"{weak.Describe()} has {weak.Facts.WeakKeyReason}",
                "reissue the certificate with an RSA key of 2048 bits or more, or an ECDSA P-256 or P-384 key");
        }

        var expiring = checkedCertificates.Where(c => c.Facts.NotAfter > now && c.Facts.NotAfter - now < threshold).ToList();
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

    private static IEnumerable<Problem> Trust(TlsChain chain, TlsTrust trust)
    {
        var top = chain.Top;
        if (chain.Partial)
        {
            // No issuer for the top certificate anywhere here (downloads are off). If the server sent only its leaf,
            // it forgot its intermediate: by far the commonest case. If it sent a CA certificate, the missing issuer is
            // most likely a root this node does not trust (servers need not send roots), possibly another intermediate.
            var sent = chain.Certificates.Count(c => c.Sent);
            if (top.Position == ChainPosition.Leaf)
            {
                yield return new Problem(Layers.Tls, FailureCategories.TlsIncompleteChain,
                    $"the server sent {Plural(sent, "certificate")} ending at {top.Facts.Subject}, but not the certificate of its issuer ({top.Facts.Issuer}), and {trust.Description} does not have it either, so the chain cannot be checked up to a root",
                    "the server does not send its intermediate certificate; browsers that have not cached it will fail: configure the full chain file (the leaf followed by its intermediates); if the issuer is a private root, add it to the check's caFile");
            }
            else
            {
                yield return new Problem(Layers.Tls, FailureCategories.TlsUntrustedRoot,
                    $"the chain ends at {top.Describe()}, whose issuer {top.Facts.Issuer} is not in {trust.Description}: an unknown root (or an intermediate the server does not send)",
                    trust.CaFile is null
                        ? "the server uses a CA that is not in this node's trust store; for a private CA, set the check's caFile to its root"
                        : $"add the root {top.Facts.Issuer} to {trust.CaFile} if this is your CA; otherwise the server presents a chain from a CA you do not expect");
            }

            yield break;
        }

        if (chain.MissingIntermediates() is { Count: > 0 } missing)
        {
            yield return new Problem(Layers.Tls, FailureCategories.TlsIncompleteChain,
                $"the chain builds only with {(missing.Count == 1 ? "an intermediate" : "intermediates")} the server did not send: {string.Join(", ", missing.Select(m => $"{m.Facts.Subject} (found in {(m.Source == "caFile" ? "the check's caFile" : "this node's system store")})"))}",
                "the server does not send its intermediate certificate; browsers that have not cached it will fail: configure the full chain file (the leaf followed by its intermediates)");
        }

        if ((chain.Flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.ExplicitDistrust)) != 0)
        {
            var leaf = chain.Certificates[0];
            if (top.Position == ChainPosition.Leaf && leaf.Facts.SelfIssued)
            {
                yield return new Problem(Layers.Tls, FailureCategories.TlsSelfSigned,
                    $"the server's certificate ({leaf.Facts.Subject}) is self-signed, and {trust.Description} does not trust it",
                    "use a certificate from a CA that clients trust, or add this certificate to the check's caFile if it is pinned on purpose");
            }
            else
            {
                yield return new Problem(Layers.Tls, FailureCategories.TlsUntrustedRoot,
                    $"the chain ends at the root {top.Facts.Subject}, which {trust.Description} does not trust",
                    trust.CaFile is null
                        ? "the server uses a CA that is not in this node's trust store; for a private CA, set the check's caFile to its root"
                        : $"add the root to {trust.CaFile} if this is your CA; otherwise the server presents a chain from a CA you do not expect");
            }
        }

        var other = chain.Flags & ~Handled & ~X509ChainStatusFlags.ExplicitDistrust;
        if (other != X509ChainStatusFlags.NoError)
        {
            var at = chain.ElementFlags.FirstOrDefault(e => (e.Flags & other) != 0);
            var where = at.Flags != X509ChainStatusFlags.NoError && at.Index < chain.Certificates.Count ? $" at {chain.Certificates[at.Index].Describe()}" : "";
            yield return new Problem(Layers.Tls, FailureCategories.TlsInvalidChain,
                $"the chain does not validate{where}: {other}",
                "inspect the chain with openssl verify -show_chain; a signature that does not verify or a CA certificate without CA rights needs a reissue");
        }
    }

    private static string More(int count) => count > 1 ? $" ({count - 1} more in the chain)" : "";

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    /// <summary>Days with one decimal below ten, whole days above.</summary>
    internal static string Days(double days) => days switch
    {
        < 1 and >= 0 => $"{Math.Round(days * 24, 1).ToString("0.#", CultureInfo.InvariantCulture)} hours",
        < 10 => Math.Round(days, 1) == 1 ? "1 day" : $"{Math.Round(days, 1).ToString("0.#", CultureInfo.InvariantCulture)} days",
        _ => $"{Math.Floor(days).ToString(CultureInfo.InvariantCulture)} days",
    };

    internal static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
