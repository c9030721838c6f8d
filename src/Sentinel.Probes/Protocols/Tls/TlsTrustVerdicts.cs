using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The verdicts about whether the chain leads to a trusted root and may be used for a TLS server: incomplete,
/// untrusted, self-signed, not for server authentication, otherwise invalid, or not checkable at all.
/// </summary>
internal static class TlsTrustVerdicts
{
    /// <summary>id-kp-serverAuth (RFC 5280, 4.2.1.12), which a TLS server's certificate must allow.</summary>
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    // Flags that are verdicts of their own (dates, trust, completeness, usage) or do not apply (no revocation checks).
    private const X509ChainStatusFlags Handled = X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested
        | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.RevocationStatusUnknown
        | X509ChainStatusFlags.OfflineRevocation | X509ChainStatusFlags.CtlNotTimeValid | X509ChainStatusFlags.HasWeakSignature
        | X509ChainStatusFlags.ExplicitDistrust | X509ChainStatusFlags.NotValidForUsage;

    // Extended key usages by OID, as RFC 5280 (4.2.1.12) names them.
    private static readonly Dictionary<string, string> Usages = new(StringComparer.Ordinal)
    {
        [ServerAuth] = "serverAuth",
        ["1.3.6.1.5.5.7.3.2"] = "clientAuth",
        ["1.3.6.1.5.5.7.3.3"] = "codeSigning",
        ["1.3.6.1.5.5.7.3.4"] = "emailProtection",
        ["1.3.6.1.5.5.7.3.8"] = "timeStamping",
        ["1.3.6.1.5.5.7.3.9"] = "OCSPSigning",
        ["2.5.29.37.0"] = "anyExtendedKeyUsage",
    };

    /// <summary>The trust verdicts, most important first.</summary>
    public static IEnumerable<Problem> Judge(TlsChain chain, TlsTrust trust)
    {
        if (chain.BuildError is { } error)
        {
            // Nothing was validated: failing open here would pass exactly the certificates built to confuse verifiers.
            yield return new Problem(Layers.Tls, FailureCategories.TlsInvalidChain,
                $"the chain cannot be checked: this node's certificate verifier (OpenSSL, through .NET) failed on it ({error}), so it counts as invalid",
                "inspect the chain with openssl verify -show_chain and openssl x509 -text: a certificate with an unusual critical extension (a proxy certificate, RFC 3820) or a malformed one is the likely cause");
            yield break;
        }

        var top = chain.Top;
        if (chain.Partial)
        {
            yield return Partial(chain, trust);
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

        if ((chain.Flags & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            yield return NotForServers(chain);
        }

        var other = chain.Flags & ~Handled;
        if (other != X509ChainStatusFlags.NoError)
        {
            var at = chain.ElementFlags.FirstOrDefault(e => (e.Flags & other) != 0);
            var where = at.Flags != X509ChainStatusFlags.NoError && at.Index < chain.Certificates.Count ? $" at {chain.Certificates[at.Index].Describe()}" : "";
            yield return new Problem(Layers.Tls, FailureCategories.TlsInvalidChain,
                $"the chain does not validate{where}: {other}",
                "inspect the chain with openssl verify -show_chain; a signature that does not verify or a CA certificate without CA rights needs a reissue");
        }
    }

    /// <summary>No issuer for the highest certificate anywhere here (downloads are off): which of the causes it is.</summary>
    private static Problem Partial(TlsChain chain, TlsTrust trust)
    {
        var top = chain.Top;
        var sent = chain.Certificates.Count(c => c.Sent);
        if (top.Position != ChainPosition.Leaf)
        {
            // The server sent CA certificates: the missing issuer is most likely a root this node does not trust
            // (servers need not send roots), possibly another intermediate.
            if (trust.CaFile is { } caFile && trust.FromCaFile(top.Facts.Certificate))
            {
                // .NET on Linux takes only self-signed certificates of a custom trust store as anchors (the others
                // become intermediates) and has no OpenSSL partial-chain mode, so an intermediate in caFile cannot
                // end the chain as it does for curl --cacert (7.68 and later).
                return new Problem(Layers.Tls, FailureCategories.TlsUntrustedRoot,
                    $"the chain ends at {top.Describe()}, which caFile {caFile} holds; but only a self-signed root can be a trust anchor here, and its issuer {top.Facts.Issuer} is not in caFile {caFile}",
                    $"add the root {top.Facts.Issuer} to {caFile} (Sentinel, unlike curl --cacert, cannot anchor trust at an intermediate)");
            }

            return new Problem(Layers.Tls, FailureCategories.TlsUntrustedRoot,
                $"the chain ends at {top.Describe()}, whose issuer {top.Facts.Issuer} is not in {trust.Description}: an unknown root (or an intermediate the server does not send)",
                trust.CaFile is null
                    ? "the server uses a CA that is not in this node's trust store; for a private CA, set the check's caFile to its root"
                    : $"add the root {top.Facts.Issuer} to {trust.CaFile} if this is your CA; otherwise the server presents a chain from a CA you do not expect");
        }

        // The leaf's issuer is nowhere here. An intermediate the server forgot is the common case; the leaf says so
        // when it names where its issuer's certificate is (AIA CA Issuers: public CAs always do), the server says so
        // when it sent other CA certificates (the wrong intermediate), and so does a check that names its own roots
        // in caFile: an issuer outside them is most likely an intermediate below one of them (a leaf made with
        // openssl names no AIA). Checked against the system store, a leaf signed directly by a private root (mkcert,
        // a cluster CA) shows none of these signs: an untrusted root, though a private intermediate issued without
        // AIA looks the same, which the message says.
        if (top.Facts.CaIssuersUri is not null || chain.Certificates.Any(c => c.Position == ChainPosition.Unused) || trust.CaFile is not null)
        {
            return new Problem(Layers.Tls, FailureCategories.TlsIncompleteChain,
                $"the server sent {TlsVerdicts.Plural(sent, "certificate")} ending at {top.Facts.Subject}, but not the certificate of its issuer ({top.Facts.Issuer}), and {trust.Description} does not have it either, so the chain cannot be checked up to a root",
                "the server does not send its intermediate certificate; browsers that have not cached it will fail: configure the full chain file (the leaf followed by its intermediates); if the issuer is a private root, add it to the check's caFile");
        }

        return new Problem(Layers.Tls, FailureCategories.TlsUntrustedRoot,
            $"the server sent its certificate ({top.Facts.Subject}) alone, and its issuer {top.Facts.Issuer} is not in {trust.Description}: an untrusted root, or an intermediate the server does not send (the certificate names no CA Issuers URL that would tell)",
            $"if {top.Facts.Issuer} is your private CA's root, set the check's caFile to a file holding it; if it is an intermediate, configure the server's full chain file (the leaf followed by its intermediates)");
    }

    /// <summary>
    /// A certificate of the chain whose extended key usage excludes TLS servers (the check .NET makes with the
    /// serverAuth application policy; OpenSSL's X509_V_ERR_INVALID_PURPOSE, "unsuitable certificate purpose").
    /// X509Chain marks every element, so the certificate is found from the extensions themselves.
    /// </summary>
    private static Problem NotForServers(TlsChain chain)
    {
        var unfit = chain.Path.FirstOrDefault(c => c.Position != ChainPosition.Root && c.Facts.ExtendedKeyUsages is { } usages
            && !usages.Contains(ServerAuth) && !usages.Contains("2.5.29.37.0")) ?? chain.Certificates[0];
        var usages = unfit.Facts.ExtendedKeyUsages is { Count: > 0 } list ? string.Join(", ", list.Select(o => Usages.GetValueOrDefault(o, o))) : "nothing";
        return new Problem(Layers.Tls, FailureCategories.TlsInvalidChain,
            $"{unfit.Describe()} is not for TLS servers: its extended key usage allows {usages}, not serverAuth (OpenSSL: \"unsuitable certificate purpose\")",
            unfit.Position == ChainPosition.Leaf
                ? "reissue the certificate with the extended key usage serverAuth (TLS Web Server Authentication); a clientAuth-only certificate is one for mutual TLS clients"
                : "the CA's intermediate does not allow certificates for TLS servers (its extended key usage lacks serverAuth): issue the server certificate from an intermediate meant for them");
    }
}
