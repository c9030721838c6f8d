using System.Net;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// Reads the server's certificates after the real handshake failed, maybe before SslStream showed one (a version or
/// cipher the local OpenSSL refuses, a client certificate required under TLS 1.2, a chain .NET's verifier throws on):
/// a TLS 1.2, then a TLS 1.0 ClientHello on new connections read the Certificate message, which TLS 1.2 and older
/// send in clear text (RFC 5246, 7.4.2), for inspection only. The tls probe and https requests share it, so a refused
/// handshake shows its chain, and its verdicts, the same way in both.
/// </summary>
internal static class TlsInspectionHello
{
    /// <summary>
    /// Records what <paramref name="remote"/> sends into <paramref name="capture"/> (unless the real handshake captured
    /// certificates already). Returns the legacy version the server chose when it refused TLS 1.2 but answered TLS 1.0,
    /// which explains the failure; null otherwise.
    /// </summary>
    public static async ValueTask<string?> ReadAsync(
        IPEndPoint remote, TlsUpgrade? upgrade, string? serverName, TlsCapture capture, CancellationToken cancellationToken)
    {
        foreach (var version in new ushort[] { 0x0303, 0x0301 })
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            var answer = await TlsHelloExchange.SendAsync(remote, upgrade, version, serverName, cancellationToken).ConfigureAwait(false);
            capture.OnCertificatesReadForInspection(answer.Certificates);
            if (answer.Version is { } chosen)
            {
                // Offered TLS 1.2 (or only 1.0) and answered below 1.2: the server speaks nothing newer.
                return chosen < 0x0303 ? TlsVersionNames.OfWire(chosen) : null;
            }

            if (answer.Alert is null)
            {
                return null;
            }
        }

        return null;
    }
}
