using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// Classifies a failed TLS handshake as <c>tls_handshake_failed</c>, naming the alert the server sent or the
/// reason, with a hint for it. SslStream reports OpenSSL's reason in its innermost exception
/// (<c>error:0A00042E:SSL routines::tlsv1 alert protocol version</c>); the alert names are RFC 8446's (6.2).
/// </summary>
internal static partial class TlsHandshakeFailure
{
    /// <summary>
    /// The problem for <paramref name="exception"/> (from SslStream.AuthenticateAsClientAsync, or an
    /// HttpRequestException wrapping one), with <paramref name="capture"/> telling whether the server asked for a
    /// client certificate, <paramref name="firstBytes"/> what the peer sent first when known (to tell a peer
    /// that does not speak TLS), and <paramref name="onlyLegacyVersion"/> the old version the server answered a
    /// separate ClientHello with when it refused TLS 1.2 (which explains the failure).
    /// </summary>
    public static Problem Classify(Exception exception, string target, TlsCapture capture, ReadOnlySpan<byte> firstBytes = default, string? onlyLegacyVersion = null)
    {
        var reason = Reason(exception);
        var alert = AlertPattern().Match(reason) is { Success: true } m ? m.Groups[1].Value : null;
        var legacyHint = $"the server speaks only {onlyLegacyVersion}, which Sentinel refuses as current browsers and OpenSSL's default security level do (RFC 8996): enable TLS 1.2 and 1.3 on the server";
        if (alert is not null)
        {
            return Failed($"{target} ended the TLS handshake with the alert \"{alert}\"", onlyLegacyVersion is not null ? legacyHint : AlertHint(alert, capture));
        }

        if (onlyLegacyVersion is not null)
        {
            return Failed($"the TLS handshake with {target} failed: {reason}", legacyHint);
        }

        if (VerifierFailed(exception))
        {
            return Failed($"the TLS handshake with {target} stopped: this node's certificate verifier (OpenSSL, through .NET) failed on the server's chain ({reason})",
                "inspect the server's certificates (openssl s_client -showcerts, then openssl x509 -text): one with an unusual critical extension (a proxy certificate, RFC 3820) or a malformed one is the likely cause");
        }

        if (!firstBytes.IsEmpty && firstBytes[0] is not (0x15 or 0x16))
        {
            return Failed($"{target} does not speak TLS: it answered the ClientHello with {Quote(firstBytes)}",
                "this port serves another protocol (plain HTTP, SSH, or one that needs STARTTLS first: set the check's starttls); check the port");
        }

        if (reason.Contains("wrong version number", StringComparison.Ordinal) || reason.Contains("packet length too long", StringComparison.Ordinal)
            || reason.Contains("corrupted frame", StringComparison.Ordinal) || reason.Contains("frame size", StringComparison.Ordinal))
        {
            return Failed($"{target} does not speak TLS: its answer to the ClientHello is not a TLS record ({reason})",
                "this port serves another protocol (plain HTTP, SSH, or one that needs STARTTLS first: set the check's starttls); check the port");
        }

        if (Unwrap(exception).OfType<SocketException>().FirstOrDefault() is { SocketErrorCode: SocketError.ConnectionReset } )
        {
            return Failed($"{target} reset the connection during the TLS handshake",
                "the server or a middlebox dropped the connection on seeing the ClientHello: compare with openssl s_client; a firewall may filter TLS, or the server may refuse the SNI name");
        }

        if (reason.Contains("unexpected eof", StringComparison.OrdinalIgnoreCase) || reason.Contains("0 bytes from the transport stream", StringComparison.Ordinal)
            || reason.Contains("EOF", StringComparison.Ordinal))
        {
            return Failed($"{target} closed the connection during the TLS handshake",
                capture.ClientCertificateRequested && capture.ClientCertificate is null
                    ? "the server asked for a client certificate and closed when none came: set the check's clientCertificate and clientKey"
                    : "the server gave up on the ClientHello without an alert: it may not speak TLS on this port, refuse the SNI name, or limit connections");
        }

        return Failed($"the TLS handshake with {target} failed: {reason}",
            "compare with openssl s_client -connect host:port -servername name from this node");
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is SslStream's own chain build throwing on a certificate it cannot process
    /// (a CryptographicException, not an alert or a closed connection): the certificates never reached the validation
    /// callback, so the caller reads them for inspection (<see cref="TlsInspectionHello"/>) to judge the chain.
    /// </summary>
    public static bool VerifierFailed(Exception exception) => Unwrap(exception).Any(e => e is CryptographicException);

    /// <summary>The problem for a handshake that did not finish before the check's deadline.</summary>
    public static Problem Timeout(string target, string timeout, string phase = "the TLS handshake") =>
        new(Layers.Tls, FailureCategories.TlsTimeout,
            $"{target} accepted the connection but did not complete {phase} within the check's timeout ({timeout})",
            "is the port speaking TLS (or does it need STARTTLS first)? is the server overloaded, or a middlebox holding the ClientHello?");

    private static string AlertHint(string alert, TlsCapture capture) => alert switch
    {
        "protocol version" => "the server and Sentinel share no TLS version: Sentinel offers TLS 1.2 and 1.3, so the server may accept only TLS 1.0/1.1 (enable tlsVersions to see which it accepts)",
        "certificate required" => "the server requires a client certificate: set the check's clientCertificate and clientKey",
        "handshake failure" when capture.ClientCertificateRequested && capture.ClientCertificate is null =>
            "the server asked for a client certificate and refused the handshake without one: set the check's clientCertificate and clientKey",
        "handshake failure" => "the server found nothing acceptable in the ClientHello: no common cipher suite, group or signature algorithm (compare with openssl s_client)",
        "unknown ca" or "bad certificate" or "certificate unknown" or "unsupported certificate" or "access denied" or "decrypt error" or "certificate expired" or "certificate revoked"
            when capture.ClientCertificate is not null =>
            $"the server rejected the client certificate ({CertificateFacts.Printable(capture.ClientCertificate.Subject)}): is it issued by a CA the server trusts, for client authentication, and still valid?",
        "unrecognized name" => "the server does not serve the SNI name Sentinel asked for: set the check's serverName to a name it serves",
        "internal error" => "the server failed on its own side: its logs say why (a certificate or key it cannot use, a misconfigured cipher list)",
        "insufficient security" => "the server requires stronger ciphers than Sentinel offered",
        _ => "compare with openssl s_client -connect host:port -servername name from this node",
    };

    private static Problem Failed(string message, string hint) => new(Layers.Tls, FailureCategories.TlsHandshakeFailed, message, hint);

    /// <summary>The innermost message, which is OpenSSL's reason on Linux, without its error code prefix.</summary>
    private static string Reason(Exception exception)
    {
        var innermost = Unwrap(exception).Last();
        var message = innermost.Message;
        if (OpenSslPattern().Match(message) is { Success: true } m)
        {
            return m.Groups[1].Value.Trim();
        }

        return innermost is AuthenticationException && innermost.InnerException is null ? message : CertificateFacts.Printable(message);
    }

    private static IEnumerable<Exception> Unwrap(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>The first bytes as text when printable, else in hex, at most 40 characters.</summary>
    private static string Quote(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, 40)];
        var text = new string(head.ToArray().Select(b => b is >= 0x20 and < 0x7F ? (char)b : '.').ToArray());
        return head.ToArray().Count(b => b is >= 0x20 and < 0x7F or (byte)'\r' or (byte)'\n') * 10 >= head.Length * 9
            ? $"\"{text.TrimEnd('.')}\""
            : $"bytes {Convert.ToHexString(head)}";
    }

    [GeneratedRegex(@"alert ([a-z ]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex AlertPattern();

    [GeneratedRegex(@"^error:[0-9A-Fa-f]+:[^:]*:[^:]*:(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenSslPattern();
}
