using System.Net.Security;
using System.Security.Authentication;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tls;

/// <summary>
/// Under TLS 1.3 the client finishes its handshake before the server has looked at the client certificate (RFC
/// 8446, 4.4.2.4: the server's verdict comes after the client's Finished), so a missing or rejected certificate
/// shows only as an alert right after the handshake (<c>certificate_required</c>, <c>unknown_ca</c>). When the
/// server asked for a certificate, or one was sent, the probe waits briefly for that verdict: about three
/// round trips (the connect time), at least 250 ms, never past the check's deadline. A server that accepted the
/// certificate sends nothing (or session tickets, which SslStream consumes) and the wait ends quietly.
/// </summary>
internal static class TlsClientCertificateVerdict
{
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(250);

    /// <summary>The handshake failure the server signalled after the handshake, or null.</summary>
    public static async ValueTask<Problem?> AwaitAsync(
        SslStream ssl, TlsCapture capture, TimeSpan connectTime, string target, ProbeContext context, CancellationToken cancellationToken)
    {
        if (capture.Protocol != SslProtocols.Tls13 || (!capture.ClientCertificateRequested && capture.ClientCertificate is null))
        {
            return null;
        }

        var wait = connectTime * 3 > MinimumWait ? connectTime * 3 : MinimumWait;
        using var window = new CancellationTokenSource(wait, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(window.Token, cancellationToken);
        try
        {
            var buffer = new byte[256];
            var read = await ssl.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
            if (read == 0 && capture.ClientCertificateRequested && capture.ClientCertificate is null)
            {
                return new Problem(Layers.Tls, FailureCategories.TlsHandshakeFailed,
                    $"{target} asked for a client certificate and closed the connection right after the handshake when none came",
                    "the server requires a client certificate: set the check's clientCertificate and clientKey");
            }
        }
        catch (OperationCanceledException)
        {
            // No verdict within the window (or the deadline came): the server kept the connection, so it accepted.
        }
        catch (IOException ex)
        {
            return TlsHandshakeFailure.Classify(ex, target, capture);
        }

        return null;
    }
}
