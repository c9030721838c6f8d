using System.Net.Security;
using System.Security.Authentication;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Tls;

/// <summary>
/// Under TLS 1.3 the client finishes its handshake before the server has looked at the client certificate (RFC
/// 8446, 4.4.2.4: the server's verdict comes after the client's Finished), so a missing or rejected certificate
/// shows only as an alert right after the handshake (<c>certificate_required</c>, <c>unknown_ca</c>). When the
/// server asked for a certificate (whether or not one was sent), the probe reads the server's next records: an
/// alert is the verdict; session tickets or data, which servers send once they have accepted the client's flight,
/// end the wait at once (about one round trip). A server that sends nothing is waited for about three round trips
/// (the connect time), at least 250 ms, never past the check's deadline. A server that did not ask costs nothing,
/// and a server that closes the connection without an alert has refused nothing.
/// </summary>
internal static class TlsClientCertificateVerdict
{
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(250);

    /// <summary>The handshake failure the server signalled after the handshake, or null.</summary>
    public static async ValueTask<Problem?> AwaitAsync(
        SslStream ssl, TlsRecordWatch records, TlsCapture capture, TimeSpan connectTime, string target, ProbeContext context, CancellationToken cancellationToken)
    {
        // SslStream shows a certificate as its LocalCertificate only when the server asked for it and it was sent;
        // without a CertificateRequest the server has no verdict to give.
        var requested = capture.ClientCertificateRequested || ssl.LocalCertificate is not null;
        if (capture.Protocol != SslProtocols.Tls13 || !requested)
        {
            return null;
        }

        var wait = connectTime * 3 > MinimumWait ? connectTime * 3 : MinimumWait;
        using var window = new CancellationTokenSource(wait, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(window.Token, cancellationToken);
        records.Watch(linked.Cancel);
        try
        {
            // Returns data, or 0 for a close: either way no alert came, so the server did not refuse the certificate.
            var buffer = new byte[256];
            _ = await ssl.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The server's records were consumed without an alert, or none came within the window, or the
            // deadline came: the server kept the connection, so it accepted.
        }
        catch (IOException ex)
        {
            return TlsHandshakeFailure.Classify(ex, target, capture);
        }
        finally
        {
            records.StopWatching();
        }

        return null;
    }
}
