using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tls;

/// <summary>
/// What TLS runs read once per node rather than once per run: the certificates servers send (decoded and read into
/// facts once per encoding) and the check's CA file (read again only when it changes).
/// </summary>
public sealed class CertificateCacheTests(TlsPki pki) : IClassFixture<TlsPki>
{
    [Fact]
    public void Load_SameEncodingTwice_ReturnsOneSharedCopy()
    {
        var leaf = pki.Trusted.Issue(new CertificateSpec()).Leaf;

        var first = CertificateCache.Load(leaf.RawData);
        var second = CertificateCache.Load(leaf.RawDataMemory.Span);

        Assert.Same(first, second);
        Assert.NotSame(leaf, first);
        Assert.Equal(leaf.Thumbprint, first.Thumbprint);
        Assert.Same(CertificateFacts.Of(leaf), CertificateFacts.Of(first));
    }

    [Fact]
    public void FactsOf_CallerDisposesItsInstance_FactsKeepTheirOwnCopy()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec());
        var borrowed = X509CertificateLoader.LoadCertificate(chain.Leaf.RawData);

        var facts = CertificateFacts.Of(borrowed);
        borrowed.Dispose();

        // As SslStream and X509Chain dispose theirs once the callback returned: the shared copy must stay usable.
        Assert.Equal(chain.Leaf.Thumbprint, facts.Certificate.Thumbprint);
        Assert.Same(facts, CertificateFacts.Of(chain.Leaf));
        Assert.Equal(chain.Leaf.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant(), facts.Sha256);
    }

    [Fact]
    public void Load_BytesThatAreNoCertificate_ThrowsAndKeepsNothing()
    {
        var before = CertificateCache.Count;
        byte[] junk = [0x30, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef];

        Assert.ThrowsAny<CryptographicException>(() => CertificateCache.Load(junk));
        Assert.ThrowsAny<CryptographicException>(() => CertificateCache.Load(ReadOnlySpan<byte>.Empty));
        Assert.True(CertificateCache.Count <= before, "a failed decode must not be cached");
    }

    [Fact]
    public void TrustLoad_SameFileTwice_ReadsItOnce()
    {
        var file = pki.Directory.Write($"ca-{Guid.NewGuid():N}.pem", pki.Trusted.RootPem);

        var first = TlsTrust.Load(file, out var problem);
        var second = TlsTrust.Load(file, out _);

        Assert.Null(problem);
        Assert.Same(first, second);
        Assert.Equal(pki.Trusted.Root.Thumbprint, Assert.Single(first.Anchors).Thumbprint);
    }

    [Fact]
    public void TrustLoad_FileReplaced_ReadsTheNewCertificates()
    {
        var file = pki.Directory.Write($"ca-{Guid.NewGuid():N}.pem", pki.Trusted.RootPem);
        var before = TlsTrust.Load(file, out _);

        File.WriteAllText(file, pki.Unknown.RootPem);
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(1));
        var after = TlsTrust.Load(file, out var problem);

        Assert.Null(problem);
        Assert.NotSame(before, after);
        Assert.Equal(pki.Unknown.Root.Thumbprint, Assert.Single(after.Anchors).Thumbprint);
    }

    [Fact]
    public void TrustLoad_FileTurnedToJunk_ReportsItAgain()
    {
        var file = pki.Directory.Write($"ca-{Guid.NewGuid():N}.pem", pki.Trusted.RootPem);
        TlsTrust.Load(file, out _);

        File.WriteAllText(file, "not a certificate at all\n");
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(1));
        var trust = TlsTrust.Load(file, out var problem);

        Assert.Same(TlsTrust.System, trust);
        Assert.NotNull(problem);
        Assert.StartsWith($"cannot read caFile {file}: ", problem.Message, StringComparison.Ordinal);
    }
}
