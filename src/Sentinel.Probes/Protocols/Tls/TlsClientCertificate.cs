using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>Loads the client certificate a check presents for mutual TLS.</summary>
internal static class TlsClientCertificate
{
    /// <summary>The largest certificate or key file read: 1 MiB.</summary>
    public const long MaxFileBytes = 1024 * 1024;

    /// <summary>
    /// Reads the PEM certificate and its key (from <see cref="TlsSettings.ClientKey"/>, else from the certificate's
    /// own file); null without one. Unreadable files are a fault of this node's configuration: <c>probe_error</c>.
    /// </summary>
    public static X509Certificate2? Load(TlsSettings settings, out Problem? problem)
    {
        problem = null;
        if (settings.ClientCertificate is not { } certificateFile)
        {
            return null;
        }

        var keyFile = settings.ClientKey ?? certificateFile;
        foreach (var file in new[] { certificateFile, keyFile }.Distinct(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                problem = Problem($"the client certificate file {file} does not exist on this node", "install the client certificate and key on every Sentinel node, or correct the check");
                return null;
            }

            if (info.Length > MaxFileBytes)
            {
                problem = Problem($"the client certificate file {file} is larger than 1 MiB ({info.Length} bytes)", "point clientCertificate and clientKey at PEM files");
                return null;
            }
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            problem = Problem($"cannot load the client certificate {certificateFile} with key {keyFile}: {ex.Message}",
                "clientCertificate must be a PEM certificate and clientKey its PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)");
            return null;
        }
    }

    private static Problem Problem(string message, string hint) => new(Layers.Probe, FailureCategories.ProbeError, message, hint);
}
