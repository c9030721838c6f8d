using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The certificates TLS checks see, each decoded and read once per node: keyed by the SHA-256 of the DER encoding, a
/// certificate that every run of a check is served again (the usual case) is the same <see cref="X509Certificate2"/> and
/// the same <see cref="CertificateFacts"/> every time. A copy per run cost a DER decode, a public key import for the
/// facts and, later, a finalizer freeing the native certificate: the largest share of an https run's CPU after the
/// handshake itself. Only what the certificate says is kept; what depends on the run (the time, the trust, the chain
/// built) is judged by every run anew.
/// </summary>
/// <remarks>
/// The instances are shared and never disposed by their users. The cache is bounded by <see cref="Capacity"/>: past it
/// (a fleet of many servers, or one that sends a new certificate each time) it starts over, and the certificates
/// dropped go to the finalizer as before.
/// </remarks>
internal static class CertificateCache
{
    /// <summary>The most certificates kept.</summary>
    public const int Capacity = 4096;

    private static readonly ConcurrentDictionary<(UInt128, UInt128), CertificateFacts> Known = new();

    /// <summary>How many certificates are kept now.</summary>
    public static int Count => Known.Count;

    /// <summary>
    /// The certificate of <paramref name="der"/>, decoded once. Throws <see cref="CryptographicException"/> for bytes
    /// that are no certificate, as <see cref="X509CertificateLoader.LoadCertificate(ReadOnlySpan{byte})"/> does.
    /// </summary>
    public static X509Certificate2 Load(ReadOnlySpan<byte> der) => FactsOf(der).Certificate;

    /// <summary>The facts of <paramref name="certificate"/>, read once per DER encoding.</summary>
    public static CertificateFacts FactsOf(X509Certificate2 certificate) => FactsOf(certificate.RawDataMemory.Span);

    private static CertificateFacts FactsOf(ReadOnlySpan<byte> der)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(der, hash);
        var key = (BinaryPrimitives.ReadUInt128LittleEndian(hash), BinaryPrimitives.ReadUInt128LittleEndian(hash[16..]));
        if (Known.TryGetValue(key, out var facts))
        {
            return facts;
        }

        // A copy of its own: the caller's instance may be one that SslStream or X509Chain disposes.
        facts = CertificateFacts.Read(X509CertificateLoader.LoadCertificate(der));
        if (Known.Count >= Capacity)
        {
            Known.Clear();
        }

        return Known.GetOrAdd(key, facts);
    }
}
