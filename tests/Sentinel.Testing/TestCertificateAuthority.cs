using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sentinel.Testing;

/// <summary>The key a test certificate gets.</summary>
public enum TestKey
{
    /// <summary>ECDSA on P-256: fast to generate, the default for leaves.</summary>
    EcP256,

    /// <summary>RSA 2048: the roots' and intermediates' default.</summary>
    Rsa2048,

    /// <summary>RSA 1024: weak, refused by OpenSSL at its default security level when serving.</summary>
    Rsa1024,
}

/// <summary>What a test leaf certificate says. Times default to valid from a day ago for 90 days.</summary>
public sealed record CertificateSpec
{
    public string CommonName { get; init; } = "www.sentinel.test";

    /// <summary>DNS subject alternative names; defaults to the common name when no SAN is given at all.</summary>
    public IReadOnlyList<string>? DnsNames { get; init; }

    public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [];

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? NotAfter { get; init; }

    public TestKey Key { get; init; } = TestKey.EcP256;

    /// <summary>Whether the issuer signs it with SHA-1 instead of SHA-256.</summary>
    public bool Sha1 { get; init; }

    /// <summary>Whether it is a client certificate (extended key usage clientAuth) instead of a server one.</summary>
    public bool Client { get; init; }

    /// <summary>
    /// Whether the leaf names where its issuer's certificate is (authority information access, CA Issuers), as
    /// public CAs always do; the URL is on a closed loopback port, and nothing in the tests fetches it.
    /// </summary>
    public bool NamesIssuer { get; init; } = true;

    /// <summary>
    /// Whether it carries a critical proxyCertInfo extension (RFC 3820), which OpenSSL's verifier refuses without a
    /// flag .NET does not set, and which .NET's chain builder on Linux then fails on with an exception.
    /// </summary>
    public bool Proxy { get; init; }
}

/// <summary>
/// A private PKI for tests, generated in .NET with <see cref="CertificateRequest"/>: a root, an intermediate
/// signed by it, and leaves signed by the intermediate, in every variant the TLS tests need (expired, not yet
/// valid, wrong host, wildcard, IP SAN, self-signed, SHA-1 signed, 1024-bit RSA). Each authority is
/// independent: a leaf of one is untrusted under another's root.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly bool _ownsRoot;

    private TestCertificateAuthority(X509Certificate2 root, X509Certificate2 intermediate, bool ownsRoot)
    {
        Root = root;
        Intermediate = intermediate;
        _ownsRoot = ownsRoot;
    }

    /// <summary>The self-signed root, with its key.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The intermediate the root signed, with its key.</summary>
    public X509Certificate2 Intermediate { get; }

    /// <summary>The root as PEM, what a check's <c>caFile</c> holds.</summary>
    public string RootPem => Root.ExportCertificatePem() + "\n";

    /// <summary>
    /// Creates a root valid for ten years and an intermediate valid until <paramref name="intermediateNotAfter"/>
    /// (default five years), optionally signed by the root with SHA-1.
    /// </summary>
    public static TestCertificateAuthority Create(string name = "Sentinel Test", DateTimeOffset? intermediateNotAfter = null, bool sha1Intermediate = false)
    {
        var now = DateTimeOffset.UtcNow;
        var root = CreateCertificate($"CN={name} Root CA, O=Sentinel Tests", null, TestKey.Rsa2048, now.AddDays(-30), now.AddYears(10), ca: true, sha1: false, Extensions.None);
        var intermediate = CreateCertificate($"CN={name} Intermediate CA, O=Sentinel Tests", root, TestKey.Rsa2048, now.AddDays(-20), intermediateNotAfter ?? now.AddYears(5), ca: true, sha1Intermediate, Extensions.None);
        return new TestCertificateAuthority(root, intermediate, ownsRoot: true);
    }

    /// <summary>
    /// Another intermediate under the same root, e.g. one that expires soon, is not valid yet or is signed with
    /// SHA-1. Disposing it leaves the root to this authority.
    /// </summary>
    public TestCertificateAuthority WithIntermediate(DateTimeOffset? notAfter = null, bool sha1 = false, string name = "Sentinel Test Second", DateTimeOffset? notBefore = null)
    {
        var now = DateTimeOffset.UtcNow;
        var intermediate = CreateCertificate($"CN={name} Intermediate CA, O=Sentinel Tests", Root, TestKey.Rsa2048, notBefore ?? now.AddDays(-20), notAfter ?? now.AddYears(5), ca: true, sha1, Extensions.None);
        return new TestCertificateAuthority(Root, intermediate, ownsRoot: false);
    }

    /// <summary>Issues a leaf signed by the intermediate.</summary>
    public TestChain Issue(CertificateSpec spec)
    {
        var leaf = CreateLeaf(spec, Intermediate);
        return new TestChain(leaf, [Intermediate], Root);
    }

    /// <summary>Issues a leaf signed by the root itself, as small private CAs (mkcert, a root made with openssl) do.</summary>
    public TestChain IssueFromRoot(CertificateSpec spec)
    {
        var leaf = CreateLeaf(spec, Root);
        return new TestChain(leaf, [], Root);
    }

    /// <summary>
    /// The root's certificate cross-signed by another, older root: same subject and key, another issuer, as ISRG
    /// Root X1 was by DST Root CA X3. Servers that keep sending it after it expired send a certificate that no
    /// path needs (clients that trust the root itself stop there).
    /// </summary>
    public X509Certificate2 CrossSignedRoot(DateTimeOffset notBefore, DateTimeOffset notAfter, string issuer = "Sentinel Old Root CA")
    {
        var now = DateTimeOffset.UtcNow;
        using var old = CreateCertificate($"CN={issuer}, O=Sentinel Tests", null, TestKey.Rsa2048, now.AddYears(-20), now.AddYears(-1), ca: true, sha1: false, Extensions.None);
        var request = new CertificateRequest(Root.SubjectName, Root.PublicKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(Root.PublicKey, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(old, true, false));
        using var key = old.GetRSAPrivateKey()!;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return request.Create(old.SubjectName, X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1), notBefore, notAfter, serial);
    }

    /// <summary>A self-signed leaf: its own issuer, trusted by nobody.</summary>
    public static TestChain SelfSigned(CertificateSpec spec)
    {
        var leaf = CreateLeaf(spec, null);
        return new TestChain(leaf, [], leaf);
    }

    public void Dispose()
    {
        if (_ownsRoot)
        {
            Root.Dispose();
        }

        Intermediate.Dispose();
    }

    private static X509Certificate2 CreateLeaf(CertificateSpec spec, X509Certificate2? issuer)
    {
        var now = DateTimeOffset.UtcNow;
        var extensions = new Extensions(spec.DnsNames ?? (spec.IpAddresses.Count > 0 ? [] : [spec.CommonName]), spec.IpAddresses, spec.Client)
        {
            CaIssuers = spec.NamesIssuer && issuer is not null ? "http://127.0.0.1:9/sentinel-test-issuer.crt" : null,
            Proxy = spec.Proxy,
        };
        return CreateCertificate($"CN={spec.CommonName}, O=Sentinel Tests", issuer, spec.Key, spec.NotBefore ?? now.AddDays(-1), spec.NotAfter ?? now.AddDays(89), ca: false, spec.Sha1, extensions);
    }

    private static X509Certificate2 CreateCertificate(
        string subject, X509Certificate2? issuer, TestKey keyType, DateTimeOffset notBefore, DateTimeOffset notAfter, bool ca, bool sha1, Extensions extensions)
    {
        using AsymmetricAlgorithm key = keyType switch
        {
            TestKey.Rsa2048 => RSA.Create(2048),
            TestKey.Rsa1024 => RSA.Create(1024),
            _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        };
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, ca));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        if (!ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [new Oid(extensions.Client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in extensions.DnsNames)
            {
                san.AddDnsName(name);
            }

            foreach (var address in extensions.IpAddresses)
            {
                san.AddIpAddress(address);
            }

            if (extensions.DnsNames.Count + extensions.IpAddresses.Count > 0)
            {
                request.CertificateExtensions.Add(san.Build());
            }

            if (extensions.CaIssuers is { } caIssuers)
            {
                request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [caIssuers]));
            }

            if (extensions.Proxy)
            {
                // ProxyCertInfo ::= SEQUENCE { proxyPolicy SEQUENCE { policyLanguage id-ppl-inheritAll } } (RFC 3820, 3.8).
                request.CertificateExtensions.Add(new X509Extension("1.3.6.1.5.5.7.1.14", Convert.FromHexString("300C300A06082B06010505071501"), true));
            }
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        X509Certificate2 certificate;
        if (issuer is null)
        {
            // Self-signed: the key signs its own certificate.
            var generator = sha1 ? new Sha1RsaSignatureGenerator((RSA)key) : Generator(key);
            using var unsigned = request.Create(request.SubjectName, generator, notBefore, notAfter, serial);
            certificate = WithKey(unsigned, key);
        }
        else
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
            using var issuerKey = (AsymmetricAlgorithm?)issuer.GetRSAPrivateKey() ?? issuer.GetECDsaPrivateKey()!;
            var generator = sha1 ? new Sha1RsaSignatureGenerator((RSA)issuerKey) : Generator(issuerKey);
            using var unsigned = request.Create(issuer.SubjectName, generator, notBefore, notAfter, serial);
            certificate = WithKey(unsigned, key);
        }

        return certificate;
    }

    private static X509SignatureGenerator Generator(AsymmetricAlgorithm key) => key is RSA rsa
        ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
        : X509SignatureGenerator.CreateForECDsa((ECDsa)key);

    /// <summary>
    /// Attaches the key and round-trips through PKCS#12, because SslStream on Linux needs a certificate whose
    /// key is not ephemeral to serve it.
    /// </summary>
    private static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        using var withKey = key is RSA rsa ? certificate.CopyWithPrivateKey(rsa) : certificate.CopyWithPrivateKey((ECDsa)key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }

    private sealed record Extensions(IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> IpAddresses, bool Client)
    {
        public static readonly Extensions None = new([], [], false);

        public string? CaIssuers { get; init; }

        public bool Proxy { get; init; }
    }

    /// <summary>
    /// sha1WithRSAEncryption, which .NET's own generators refuse to produce: the signature of a deliberately weak
    /// test certificate.
    /// </summary>
    private sealed class Sha1RsaSignatureGenerator(RSA key) : X509SignatureGenerator
    {
        // AlgorithmIdentifier { 1.2.840.113549.1.1.5, NULL } (RFC 3279, 2.2.1).
        private static readonly byte[] Sha1WithRsa = Convert.FromHexString("300D06092A864886F70D0101050500");

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => Sha1WithRsa;

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
    }
}

/// <summary>A leaf with its key, the intermediates that lead to its root, and the root, in files when needed.</summary>
public sealed class TestChain(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> intermediates, X509Certificate2 root)
{
    public X509Certificate2 Leaf { get; } = leaf;

    public IReadOnlyList<X509Certificate2> Intermediates { get; } = intermediates;

    public X509Certificate2 Root { get; } = root;

    public string LeafPem => Leaf.ExportCertificatePem() + "\n";

    public string KeyPem => ((AsymmetricAlgorithm?)Leaf.GetRSAPrivateKey() ?? Leaf.GetECDsaPrivateKey()!).ExportPkcs8PrivateKeyPem() + "\n";

    public string IntermediatesPem => string.Concat(Intermediates.Select(c => c.ExportCertificatePem() + "\n"));

    /// <summary>Writes <c>NAME.pem</c> (the leaf), <c>NAME.key</c> and <c>NAME-chain.pem</c> (the intermediates).</summary>
    public TestChainFiles WriteTo(string directory, string name = "server")
    {
        var files = new TestChainFiles(
            Path.Combine(directory, name + ".pem"), Path.Combine(directory, name + ".key"), Path.Combine(directory, name + "-chain.pem"));
        File.WriteAllText(files.Certificate, LeafPem);
        File.WriteAllText(files.Key, KeyPem);
        File.WriteAllText(files.Chain, IntermediatesPem);
        return files;
    }
}

/// <summary>Where <see cref="TestChain.WriteTo"/> wrote a chain.</summary>
public sealed record TestChainFiles(string Certificate, string Key, string Chain);
