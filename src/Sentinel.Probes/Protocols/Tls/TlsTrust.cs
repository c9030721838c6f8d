using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// What a check trusts: the system trust store, or the CA certificates of its <c>caFile</c> (which then replace
/// the system store, as with curl's --cacert): the self-signed ones are trust anchors, the others intermediates
/// that may complete a chain the server sent incompletely. Unlike curl 7.68+ (OpenSSL's partial-chain mode), an
/// intermediate alone cannot be an anchor: .NET on Linux puts the non-self-signed certificates of a custom trust
/// store among the untrusted ones and offers no partial-chain flag, so the chain must reach a root in caFile.
/// </summary>
internal sealed class TlsTrust
{
    /// <summary>The largest CA file read: 4 MiB (the whole Mozilla bundle is about 200 KiB).</summary>
    public const long MaxCaFileBytes = 4 * 1024 * 1024;

    /// <summary>The most CA files whose certificates are kept between runs.</summary>
    private const int MaxCachedFiles = 256;

    /// <summary>The system trust store (on Linux: SSL_CERT_FILE and SSL_CERT_DIR, else OpenSSL's default paths).</summary>
    public static readonly TlsTrust System = new(null, [], []);

    /// <summary>The CA files read, by the path a check names, with the version (full path, length, modification time) read.</summary>
    private static readonly ConcurrentDictionary<string, ((string Path, long Length, DateTime Modified) Version, TlsTrust Trust)> Loaded = new(StringComparer.Ordinal);

    private TlsTrust(string? caFile, IReadOnlyList<X509Certificate2> anchors, IReadOnlyList<X509Certificate2> intermediates)
    {
        CaFile = caFile;
        Anchors = anchors;
        Intermediates = intermediates;
    }

    /// <summary>The CA file, or null for the system store.</summary>
    public string? CaFile { get; }

    /// <summary>The trust anchors of the CA file (empty for the system store, which X509Chain finds itself).</summary>
    public IReadOnlyList<X509Certificate2> Anchors { get; }

    /// <summary>Intermediates from the CA file; the system store's own are used by X509Chain without asking.</summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    /// <summary>How reports name the trust: <c>caFile /etc/ca.pem</c> or <c>the system trust store</c>.</summary>
    public string Description => CaFile is null ? "the system trust store" : $"caFile {CaFile}";

    /// <summary>
    /// Reads the check's CA file, or returns <see cref="System"/> when it names none. A file that cannot be read
    /// or holds no certificate is a fault of the check's configuration on this node: <c>probe_error</c>.
    /// </summary>
    public static TlsTrust Load(string? caFile, out Problem? problem)
    {
        problem = null;
        if (caFile is null)
        {
            return System;
        }

        try
        {
            var info = new FileInfo(caFile);
            if (!info.Exists)
            {
                problem = ConfigurationProblem($"caFile {caFile} does not exist on this node", "install the CA file on every Sentinel node, or correct the check's caFile");
                return System;
            }

            if (info.Length > MaxCaFileBytes)
            {
                problem = ConfigurationProblem($"caFile {caFile} is larger than {MaxCaFileBytes / 1024 / 1024} MiB ({info.Length} bytes)", "point caFile at a PEM bundle of CA certificates");
                return System;
            }

            // Read once per version of the file: each run of every check that names it would otherwise parse it
            // again and leave its certificates to the finalizer.
            var version = (Path.GetFullPath(caFile), info.Length, info.LastWriteTimeUtc);
            if (Loaded.TryGetValue(caFile, out var loaded) && loaded.Version == version)
            {
                return loaded.Trust;
            }

            var certificates = ReadCertificates(File.ReadAllBytes(caFile));
            if (certificates.Count == 0)
            {
                problem = ConfigurationProblem($"caFile {caFile} holds no certificate (expected PEM \"-----BEGIN CERTIFICATE-----\" blocks or one DER certificate)", "point caFile at a PEM bundle of CA certificates");
                return System;
            }

            var anchors = certificates.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)).ToArray();
            var intermediates = certificates.Except(anchors).ToArray();
            var trust = new TlsTrust(caFile, anchors, intermediates);
            if (Loaded.Count >= MaxCachedFiles)
            {
                Loaded.Clear();
            }

            Loaded[caFile] = (version, trust);
            return trust;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            problem = ConfigurationProblem($"cannot read caFile {caFile}: {ex.Message}", "check that the file exists and that Sentinel's user may read it");
            return System;
        }
    }

    /// <summary>
    /// The policy to give SslStream (<see cref="System.Net.Security.SslClientAuthenticationOptions.CertificateChainPolicy"/>):
    /// the check's trust, no downloads of missing intermediates (AIA fetches would add their time to the TLS phase
    /// and send traffic elsewhere), no revocation checks.
    /// </summary>
    public X509ChainPolicy ClientChainPolicy(DateTimeOffset now)
    {
        var policy = BasePolicy(now);
        policy.CustomTrustStore.AddRange(Anchors.ToArray());
        return policy;
    }

    /// <summary>The policy the inspection builds chains with: <see cref="ClientChainPolicy"/> plus extra certificates.</summary>
    public X509ChainPolicy InspectionPolicy(DateTimeOffset now, IEnumerable<X509Certificate2> extra)
    {
        var policy = ClientChainPolicy(now);
        policy.ExtraStore.AddRange(extra.Concat(Intermediates).ToArray());
        return policy;
    }

    /// <summary>Whether <paramref name="certificate"/> came from the CA file.</summary>
    public bool FromCaFile(X509Certificate2 certificate) =>
        Anchors.Concat(Intermediates).Any(c => c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span));

    private X509ChainPolicy BasePolicy(DateTimeOffset now)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = CaFile is null ? X509ChainTrustMode.System : X509ChainTrustMode.CustomRootTrust,
            DisableCertificateDownloads = true,
            RevocationMode = X509RevocationMode.NoCheck,
            VerificationTime = now.UtcDateTime,
            VerificationTimeIgnored = false,
            UrlRetrievalTimeout = TimeSpan.FromMilliseconds(1),
        };

        // The chain is a TLS server's: its extended key usages must allow serverAuth, as OpenSSL's purpose check
        // (X509_PURPOSE_SSL_SERVER) and browsers require; a clientAuth-only certificate is NotValidForUsage.
        policy.ApplicationPolicy.Add(new Oid(TlsTrustVerdicts.ServerAuth));
        return policy;
    }

    private static List<X509Certificate2> ReadCertificates(byte[] bytes)
    {
        var text = global::System.Text.Encoding.ASCII.GetString(bytes);
        if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(text);
            return [.. collection];
        }

        return [X509CertificateLoader.LoadCertificate(bytes)];
    }

    private static Problem ConfigurationProblem(string message, string hint) =>
        new(Layers.Probe, FailureCategories.ProbeError, message, hint);
}
