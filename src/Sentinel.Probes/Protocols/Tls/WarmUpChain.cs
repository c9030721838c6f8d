using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The certificates the one-shot warm-ups serve: a leaf for <c>localhost</c> and 127.0.0.1 issued by an
/// intermediate under a throwaway root, the shape of nearly every real server's chain. A self-signed leaf alone
/// leaves the chain builder's path for an intermediate cold, and a target's first handshake paid for it in its
/// <c>tls</c> phase (about 1.5 ms). ECDSA P-256 keys, which take microseconds to make; the verification code that
/// differs by key type is OpenSSL's, native and warm from the start.
/// </summary>
internal sealed class WarmUpChain : IDisposable
{
    private WarmUpChain(X509Certificate2 root, X509Certificate2 intermediate, X509Certificate2 leaf)
    {
        Root = root;
        Intermediate = intermediate;
        Leaf = leaf;
        ServerOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(leaf, [intermediate], offline: true),
        };
    }

    /// <summary>The trust anchor: what a warm-up check's <c>caFile</c> holds.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The intermediate the server sends after the leaf.</summary>
    public X509Certificate2 Intermediate { get; }

    /// <summary>The leaf, with its private key.</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>Serves the leaf and the intermediate.</summary>
    public SslServerAuthenticationOptions ServerOptions { get; }

    /// <summary>Makes a chain valid from five minutes before <paramref name="now"/> for a year (no expiry warning in the warm-up runs).</summary>
    public static WarmUpChain Create(DateTimeOffset now)
    {
        var notBefore = now.AddMinutes(-5);
        var notAfter = now.AddYears(1);
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var rootRequest = new CertificateRequest("CN=Sentinel warm-up root", rootKey, HashAlgorithmName.SHA256);
        AddCaExtensions(rootRequest);
        var root = rootRequest.CreateSelfSigned(notBefore, notAfter);

        var intermediateRequest = new CertificateRequest("CN=Sentinel warm-up intermediate", intermediateKey, HashAlgorithmName.SHA256);
        AddCaExtensions(intermediateRequest);
        using var intermediatePublic = intermediateRequest.Create(root, notBefore, notAfter, Serial(2));
        var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);

        var leafRequest = new CertificateRequest("CN=Sentinel warm-up", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName(HostsFileAnswer.Localhost);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(TlsTrustVerdicts.ServerAuth)], false));
        using var leafPublic = leafRequest.Create(intermediate, notBefore, notAfter, Serial(3));
        using var withKey = leafPublic.CopyWithPrivateKey(leafKey);

        // SslStream on Linux serves only certificates whose key is not ephemeral: round-trip through PKCS#12.
        var leaf = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new WarmUpChain(root, intermediate, leaf);
    }

    public void Dispose()
    {
        Leaf.Dispose();
        Intermediate.Dispose();
        Root.Dispose();
    }

    private static void AddCaExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private static byte[] Serial(byte value) => [value, 0x5e, 0x17, 0x13];
}
