using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>Where a certificate of an inspected chain sits.</summary>
internal enum ChainPosition
{
    /// <summary>The server's own certificate.</summary>
    Leaf,

    /// <summary>A CA certificate between the leaf and the root (or the highest one found when the chain is partial).</summary>
    Intermediate,

    /// <summary>The self-issued certificate the chain ends at, trusted or not.</summary>
    Root,

    /// <summary>Sent by the server but not part of the chain built (a stale cross-sign, a duplicate, junk).</summary>
    Unused,
}

/// <summary>One certificate of an inspected chain: its facts, its position, and whether the server sent it.</summary>
/// <param name="Facts">What the certificate says.</param>
/// <param name="Position">Where it sits.</param>
/// <param name="SentIndex">Its index in what the server sent, or null when the chain needed it from elsewhere.</param>
/// <param name="Source"><c>served</c>, <c>caFile</c> or <c>system</c> (the system trust store).</param>
internal sealed record ChainCertificate(CertificateFacts Facts, ChainPosition Position, int? SentIndex, string Source)
{
    /// <summary>Whether the server sent it.</summary>
    public bool Sent => SentIndex is not null;

    /// <summary>How messages name it: <c>the leaf certificate (CN=…)</c>.</summary>
    public string Describe() => Position switch
    {
        ChainPosition.Leaf => $"the leaf certificate ({Facts.Subject})",
        ChainPosition.Intermediate => $"the intermediate certificate ({Facts.Subject})",
        ChainPosition.Root => $"the root certificate ({Facts.Subject})",
        _ => $"a certificate the server sent but the chain does not use ({Facts.Subject})",
    };

    /// <summary>The label value of <c>sentinel_tls_cert_expiry_timestamp_seconds{position}</c>.</summary>
    public string MetricPosition(int intermediateNumber) => Position switch
    {
        ChainPosition.Leaf => "leaf",
        ChainPosition.Root => "root",
        _ => $"intermediate_{intermediateNumber}",
    };
}

/// <summary>
/// The chain as built from what the server sent to a trust anchor, with X509Chain's status flags. Missing
/// intermediates are never downloaded (AIA), so a chain the server sent incompletely is seen as such; the
/// check's CA file and the system store may still complete it, which is what tells "incomplete" from "untrusted".
/// </summary>
internal sealed class TlsChain
{
    private TlsChain(
        IReadOnlyList<ChainCertificate> certificates, X509ChainStatusFlags flags, IReadOnlyList<(int Index, X509ChainStatusFlags Flags)> elementFlags, string? buildError)
    {
        Certificates = certificates;
        Flags = flags;
        ElementFlags = elementFlags;
        BuildError = buildError;
    }

    /// <summary>The chain from the leaf up, then what the server sent that the chain does not use.</summary>
    public IReadOnlyList<ChainCertificate> Certificates { get; }

    /// <summary>The chain-wide status flags.</summary>
    public X509ChainStatusFlags Flags { get; }

    /// <summary>Per-element status flags, by chain index.</summary>
    public IReadOnlyList<(int Index, X509ChainStatusFlags Flags)> ElementFlags { get; }

    /// <summary>The certificates of the chain proper, leaf first.</summary>
    public IEnumerable<ChainCertificate> Path => Certificates.Where(c => c.Position != ChainPosition.Unused);

    /// <summary>The highest certificate of the chain.</summary>
    public ChainCertificate Top => Path.Last();

    /// <summary>Whether no issuer could be found for the highest certificate (it is not self-issued).</summary>
    public bool Partial => Flags.HasFlag(X509ChainStatusFlags.PartialChain);

    /// <summary>
    /// Why X509Chain could not process the certificates at all, or null. Then nothing was validated, the path is
    /// the leaf alone and <see cref="Flags"/> says nothing: the verdicts must not read that as a valid chain.
    /// </summary>
    public string? BuildError { get; }

    /// <summary>
    /// The certificates the date, signature and key verdicts judge: the chain as built (what clients use), not
    /// what the server sent besides (a stale cross-sign clients ignore); everything sent when the chain could
    /// not be built, since then nothing tells which certificates clients would use.
    /// </summary>
    public IReadOnlyList<ChainCertificate> Judged => BuildError is null ? Path.ToList() : Certificates;

    /// <summary>Builds the chain for the leaf of <paramref name="served"/> with what the server sent plus <paramref name="trust"/>.</summary>
    public static TlsChain Build(IReadOnlyList<CertificateFacts> served, TlsTrust trust, DateTimeOffset now)
    {
        using var chain = new X509Chain { ChainPolicy = trust.InspectionPolicy(now, served.Skip(1).Select(f => f.Certificate)) };
        string? buildError = null;
        try
        {
            chain.Build(served[0].Certificate);
        }
        catch (CryptographicException ex)
        {
            // A certificate X509Chain cannot process at all: on Linux, an OpenSSL verification error .NET has no
            // status for (a proxy certificate, RFC 3820, is one) or a chain deeper than OpenSSL's 100. The leaf
            // alone is still inspected, and the verdicts fail closed on the error.
            buildError = CertificateFacts.Printable(ex.Message);
        }

        var elements = buildError is null ? chain.ChainElements.Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.RawDataMemory.Span)).ToList() : [];
        if (elements.Count == 0)
        {
            elements.Add(served[0].Certificate);
        }

        var flags = buildError is null ? chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) : X509ChainStatusFlags.NoError;
        var elementFlags = buildError is null
            ? chain.ChainElements
                .Select((e, i) => (i, e.ChainElementStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status)))
                .Where(x => x.Item2 != X509ChainStatusFlags.NoError)
                .ToList()
            : [];

        var certificates = new List<ChainCertificate>();
        for (var i = 0; i < elements.Count; i++)
        {
            var sentIndex = IndexIn(served, elements[i]);
            var facts = sentIndex is { } s ? served[s] : CertificateFacts.Of(elements[i]);
            var position = i == 0 ? ChainPosition.Leaf
                : i == elements.Count - 1 && facts.SelfIssued ? ChainPosition.Root
                : ChainPosition.Intermediate;
            certificates.Add(new ChainCertificate(facts, position, sentIndex, sentIndex is not null ? "served" : trust.FromCaFile(elements[i]) ? "caFile" : "system"));
        }

        for (var i = 0; i < served.Count; i++)
        {
            if (!certificates.Any(c => c.SentIndex == i))
            {
                certificates.Add(new ChainCertificate(served[i], ChainPosition.Unused, i, "served"));
            }
        }

        return new TlsChain(certificates, flags, elementFlags, buildError);
    }

    /// <summary>
    /// The intermediates the chain needed that the server did not send — unless the certificates it did send lead
    /// to the same trust anchor on their own (X509Chain may prefer a path through the system store's intermediates).
    /// </summary>
    public IReadOnlyList<ChainCertificate> MissingIntermediates()
    {
        var missing = Path.Where(c => c.Position == ChainPosition.Intermediate && !c.Sent).ToList();
        if (missing.Count == 0 || Partial || Top.Position != ChainPosition.Root)
        {
            return missing;
        }

        var sent = Certificates.Where(c => c.Sent).OrderBy(c => c.SentIndex).Select(c => c.Facts.Certificate).ToList();
        return SentPathReaches(sent, Top.Facts.Certificate) ? [] : missing;
    }

    /// <summary>Whether following issuer names from the leaf through the sent certificates reaches <paramref name="anchor"/>.</summary>
    private static bool SentPathReaches(List<X509Certificate2> sent, X509Certificate2 anchor)
    {
        var current = sent[0];
        for (var step = 0; step <= sent.Count; step++)
        {
            if (IssuedBy(current, anchor))
            {
                return true;
            }

            var next = sent.Skip(1).FirstOrDefault(c => !ReferenceEquals(c, current) && !IsSelfIssued(c) && IssuedBy(current, c));
            if (next is null)
            {
                return false;
            }

            current = next;
        }

        return false;
    }

    /// <summary>Name chaining as path building does it: issuer name equals subject name, and key identifiers agree when both are present.</summary>
    private static bool IssuedBy(X509Certificate2 child, X509Certificate2 issuer)
    {
        if (!child.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            return false;
        }

        try
        {
            var authorityKey = child.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
            var subjectKey = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
            return authorityKey is not { } a || subjectKey is not { } s || a.Span.SequenceEqual(s.Span);
        }
        catch (CryptographicException)
        {
            return true;
        }
    }

    private static bool IsSelfIssued(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static int? IndexIn(IReadOnlyList<CertificateFacts> served, X509Certificate2 certificate)
    {
        for (var i = 0; i < served.Count; i++)
        {
            if (served[i].Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                return i;
            }
        }

        return null;
    }
}
