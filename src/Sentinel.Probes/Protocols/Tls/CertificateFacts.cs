using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// What an SRE wants to know about one certificate, read once: names, validity, key, signature algorithm and
/// subject alternative names. Everything is read defensively: a certificate is input from the target, and a
/// malformed extension makes a field unknown rather than the probe fail.
/// </summary>
internal sealed class CertificateFacts
{
    /// <summary>The most SANs kept per certificate; real ones carry at most a few hundred.</summary>
    public const int MaxNames = 1000;

    // Signature algorithms by OID, named as OpenSSL names them, with the weak hash when there is one.
    private static readonly Dictionary<string, (string Name, string? WeakHash)> SignatureAlgorithms = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.2"] = ("md2WithRSAEncryption", "MD2"),
        ["1.2.840.113549.1.1.4"] = ("md5WithRSAEncryption", "MD5"),
        ["1.2.840.113549.1.1.5"] = ("sha1WithRSAEncryption", "SHA-1"),
        ["1.3.14.3.2.29"] = ("sha1WithRSA", "SHA-1"),
        ["1.2.840.10045.4.1"] = ("ecdsa-with-SHA1", "SHA-1"),
        ["1.2.840.10040.4.3"] = ("dsa_with_SHA1", "SHA-1"),
        ["1.2.840.113549.1.1.14"] = ("sha224WithRSAEncryption", null),
        ["1.2.840.113549.1.1.11"] = ("sha256WithRSAEncryption", null),
        ["1.2.840.113549.1.1.12"] = ("sha384WithRSAEncryption", null),
        ["1.2.840.113549.1.1.13"] = ("sha512WithRSAEncryption", null),
        ["1.2.840.113549.1.1.10"] = ("rsassaPss", null),
        ["1.2.840.10045.4.3.1"] = ("ecdsa-with-SHA224", null),
        ["1.2.840.10045.4.3.2"] = ("ecdsa-with-SHA256", null),
        ["1.2.840.10045.4.3.3"] = ("ecdsa-with-SHA384", null),
        ["1.2.840.10045.4.3.4"] = ("ecdsa-with-SHA512", null),
        ["2.16.840.1.101.3.4.3.2"] = ("dsa_with_SHA256", null),
        ["1.3.101.112"] = ("ED25519", null),
        ["1.3.101.113"] = ("ED448", null),
    };

    private CertificateFacts(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Subject = Printable(certificate.SubjectName.Name);
        Issuer = Printable(certificate.IssuerName.Name);
        SerialNumber = Serial(certificate.SerialNumberBytes.Span);
        Sha256 = Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        SelfIssued = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
        (KeyType, KeyBits) = Key(certificate);
        var oid = certificate.SignatureAlgorithm.Value ?? "";
        (SignatureAlgorithm, WeakHash) = SignatureAlgorithms.TryGetValue(oid, out var known) ? known : (certificate.SignatureAlgorithm.FriendlyName ?? oid, null);
        (DnsNames, IpAddresses) = AlternativeNames(certificate);
        (ExtendedKeyUsages, CaIssuersUri) = UsagesAndIssuer(certificate);
    }

    /// <summary>The certificate itself.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The subject DN, most specific part first (<c>CN=www.example.com, O=Example</c>).</summary>
    public string Subject { get; }

    /// <summary>The issuer DN.</summary>
    public string Issuer { get; }

    /// <summary>The serial number in lower-case hex without leading zeros, as blackbox_exporter labels it.</summary>
    public string SerialNumber { get; }

    /// <summary>The SHA-256 fingerprint of the DER encoding, lower-case hex.</summary>
    public string Sha256 { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>Whether issuer and subject are the same name: a root, or a self-signed leaf.</summary>
    public bool SelfIssued { get; }

    /// <summary><c>RSA</c>, <c>EC</c>, <c>DSA</c>, <c>Ed25519</c>, <c>Ed448</c>, or the key's OID when unknown.</summary>
    public string KeyType { get; }

    /// <summary>The key size in bits, when known.</summary>
    public int? KeyBits { get; }

    /// <summary>The signature algorithm as OpenSSL names it (<c>sha256WithRSAEncryption</c>).</summary>
    public string SignatureAlgorithm { get; }

    /// <summary>The broken hash the signature uses (<c>SHA-1</c>, <c>MD5</c>, <c>MD2</c>), or null.</summary>
    public string? WeakHash { get; }

    /// <summary>DNS names of the subject alternative name extension, as written (A-labels).</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>IP addresses of the subject alternative name extension.</summary>
    public IReadOnlyList<IPAddress> IpAddresses { get; }

    /// <summary>
    /// The extended key usage OIDs (RFC 5280, 4.2.1.12), or null when the certificate has no such extension (then
    /// any usage is allowed).
    /// </summary>
    public IReadOnlyList<string>? ExtendedKeyUsages { get; }

    /// <summary>
    /// Where the certificate says its issuer's certificate can be fetched (authority information access, CA
    /// Issuers, RFC 5280 4.2.2.1), or null. Public CAs put it in every certificate they issue.
    /// </summary>
    public string? CaIssuersUri { get; }

    /// <summary>The key as a short phrase: <c>RSA 2048 bits</c>, <c>EC 256 bits</c>.</summary>
    public string KeyDescription => KeyBits is { } bits ? $"{KeyType} {bits} bits" : KeyType;

    /// <summary>
    /// Why the key is too weak for today's clients, or null: RSA and DSA below 2048 bits, EC below 256 bits
    /// (the CA/Browser Forum baseline requirements, and OpenSSL's security level 2).
    /// </summary>
    public string? WeakKeyReason => (KeyType, KeyBits) switch
    {
        ("RSA" or "DSA", < 2048 and var bits) => $"a {bits}-bit {KeyType} key (at least 2048 bits needed)",
        ("EC", < 256 and var bits) => $"a {bits}-bit EC key (at least 256 bits needed)",
        _ => null,
    };

    /// <summary>The SANs as one list in openssl's notation: <c>DNS:www.example.com, IP:192.0.2.1</c>.</summary>
    public IEnumerable<string> AlternativeNameList =>
        DnsNames.Select(n => "DNS:" + n).Concat(IpAddresses.Select(a => "IP:" + a));

    /// <summary>The facts of <paramref name="certificate"/>, read once per node (<see cref="CertificateCache"/>); their <see cref="Certificate"/> is a copy that is never disposed.</summary>
    public static CertificateFacts Of(X509Certificate2 certificate) => CertificateCache.FactsOf(certificate);

    /// <summary>Reads the facts of <paramref name="certificate"/>, which they keep as their <see cref="Certificate"/>.</summary>
    internal static CertificateFacts Read(X509Certificate2 certificate) => new(certificate);

    /// <summary>Fractional days from <paramref name="now"/> until the certificate expires; negative once expired.</summary>
    public double DaysLeft(DateTimeOffset now) => (NotAfter - now).TotalDays;

    /// <summary>Replaces control characters, which a hostile certificate may put in a name to garble reports.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(char.IsControl(c) ? '?' : c);
        }

        return sb.ToString();
    }

    private static string Serial(ReadOnlySpan<byte> bigEndian)
    {
        var start = 0;
        while (start < bigEndian.Length - 1 && bigEndian[start] == 0)
        {
            start++;
        }

        return Convert.ToHexStringLower(bigEndian[start..]);
    }

    private static (string Type, int? Bits) Key(X509Certificate2 certificate)
    {
        var oid = certificate.PublicKey.Oid.Value ?? "";
        try
        {
            switch (oid)
            {
                case "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10":
                    using (var rsa = certificate.GetRSAPublicKey())
                    {
                        return ("RSA", rsa?.KeySize);
                    }

                case "1.2.840.10045.2.1":
                    using (var ec = certificate.GetECDsaPublicKey())
                    {
                        return ("EC", ec?.KeySize);
                    }

                case "1.2.840.10040.4.1":
                    using (var dsa = certificate.GetDSAPublicKey())
                    {
                        return ("DSA", dsa?.KeySize);
                    }

                case "1.3.101.112":
                    return ("Ed25519", 256);
                case "1.3.101.113":
                    return ("Ed448", 456);
                default:
                    return (certificate.PublicKey.Oid.FriendlyName ?? oid, null);
            }
        }
        catch (CryptographicException)
        {
            // A key the platform cannot parse (an unusual curve, a malformed encoding): its type is still known.
            return (oid switch { "1.2.840.10045.2.1" => "EC", "1.2.840.10040.4.1" => "DSA", _ => "RSA" }, null);
        }
    }

    private static (IReadOnlyList<string>? Usages, string? CaIssuers) UsagesAndIssuer(X509Certificate2 certificate)
    {
        IReadOnlyList<string>? usages = null;
        string? caIssuers = null;
        foreach (var extension in certificate.Extensions)
        {
            try
            {
                switch (extension.Oid?.Value)
                {
                    case "2.5.29.37":
                        var eku = extension as X509EnhancedKeyUsageExtension ?? new X509EnhancedKeyUsageExtension(extension, extension.Critical);
                        usages = eku.EnhancedKeyUsages.Cast<Oid>().Take(32).Select(o => o.Value ?? "").ToArray();
                        break;
                    case "1.3.6.1.5.5.7.1.1":
                        var aia = extension as X509AuthorityInformationAccessExtension ?? new X509AuthorityInformationAccessExtension(extension.RawData, extension.Critical);
                        caIssuers = aia.EnumerateCAIssuersUris().FirstOrDefault() is { } uri ? Printable(uri) : null;
                        break;
                }
            }
            catch (CryptographicException)
            {
                // A malformed extension says nothing.
            }
        }

        return (usages, caIssuers);
    }

    private static (IReadOnlyList<string> Dns, IReadOnlyList<IPAddress> Ip) AlternativeNames(X509Certificate2 certificate)
    {
        var dns = new List<string>();
        var ip = new List<IPAddress>();
        try
        {
            foreach (var extension in certificate.Extensions)
            {
                if (extension.Oid?.Value != "2.5.29.17")
                {
                    continue;
                }

                var san = extension as X509SubjectAlternativeNameExtension ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                dns.AddRange(san.EnumerateDnsNames().Take(MaxNames).Select(Printable));
                ip.AddRange(san.EnumerateIPAddresses().Take(MaxNames));
            }
        }
        catch (CryptographicException)
        {
            // A malformed SAN extension names nothing; the hostname check then reports the mismatch.
        }

        return (dns, ip);
    }
}
