using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The TLS client handshake of every probe that speaks TLS (a <c>tls</c> check, an <c>https</c> request), so that one
/// server is measured the same way whichever check type looks at it: the same client options, the same <c>tls</c>
/// phase, the same failures caught and classified. What a caller needs around it stays with the caller, composed
/// around this: it passes the stream to run the handshake over (plain, wrapped to watch the server's bytes, after
/// STARTTLS or a proxy tunnel) and gets the SslStream back, or what the failure was.
/// </summary>
/// <remarks>
/// <para>The <c>tls</c> phase runs from the ClientHello to the end of the handshake, minus Sentinel's bookkeeping: the
/// time <see cref="TlsCapture.OnRemoteCertificate"/> spends copying the served certificates for the inspection
/// (about 0.4 ms for a leaf and an intermediate). curl's <c>time_appconnect</c> includes OpenSSL's verification but
/// no copying for reporting; so the chain SslStream builds before it calls back stays in the phase, the copy does
/// not. The same rule holds for a handshake that fails or times out.</para>
/// <para>Renegotiation stays allowed (SslStream's default, and OpenSSL's for a client): it changes nothing in the
/// handshake itself, and only an https request reads on afterwards, where a server may renegotiate to ask for a
/// client certificate.</para>
/// </remarks>
internal static class TlsHandshake
{
    /// <summary>
    /// Runs the client handshake over <paramref name="transport"/> until <paramref name="deadline"/>, recording what it
    /// yields into <paramref name="capture"/>. The SslStream owns <paramref name="transport"/>: on success the caller
    /// gets the SslStream to dispose; on failure both are disposed already.
    /// </summary>
    public static async ValueTask<TlsHandshakeOutcome> RunAsync(
        Stream transport, TlsHandshakeRequest request, TlsCapture capture, TimeProvider time, CancellationToken deadline)
    {
        var bookkeeping = TimeSpan.Zero;
        var options = new SslClientAuthenticationOptions
        {
            // An IP literal as TargetHost sends no SNI (RFC 6066, 3) and is what the certificate is checked against.
            TargetHost = request.TargetHost,
            ApplicationProtocols = request.ApplicationProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowRenegotiation = true,
        };

        // The shared TLS inspection's wiring: capture and accept, client certificate, chain policy, no resumption.
        capture.ConfigureClient(options, request.Trust, request.ClientCertificate, time.GetUtcNow());
        var copy = options.RemoteCertificateValidationCallback!;
        options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            var copying = time.GetTimestamp();
            try
            {
                return copy(sender, certificate, chain, errors);
            }
            finally
            {
                bookkeeping += time.GetElapsedTime(copying);
            }
        };

        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        var started = time.GetTimestamp();
        try
        {
            await ssl.AuthenticateAsClientAsync(options, deadline).ConfigureAwait(false);
        }
        catch (Exception ex) when (Caught(ex) || ex is OperationCanceledException && deadline.IsCancellationRequested)
        {
            var phase = time.GetElapsedTime(started) - bookkeeping;
            await ssl.DisposeAsync().ConfigureAwait(false);

            // Past the deadline the handshake was cut short, whichever exception SslStream surfaced that as.
            return deadline.IsCancellationRequested
                ? new TlsHandshakeOutcome(null, phase, bookkeeping, request) { TimedOut = true }
                : new TlsHandshakeOutcome(null, phase, bookkeeping, request) { Error = ex };
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var took = time.GetElapsedTime(started) - bookkeeping;
        capture.OnAuthenticated(ssl);
        return new TlsHandshakeOutcome(ssl, took, bookkeeping, request);
    }

    /// <summary>
    /// What a failed handshake throws: an alert or a refusal (AuthenticationException), the connection lost
    /// (IOException, SocketException), the platform's verifier failing on the chain before the validation callback
    /// (CryptographicException, on Linux for a proxy certificate, RFC 3820), or the platform's TLS library itself
    /// (Win32Exception).
    /// </summary>
    private static bool Caught(Exception ex) =>
        ex is AuthenticationException or IOException or SocketException or CryptographicException or System.ComponentModel.Win32Exception;
}

/// <summary>What a caller asks of <see cref="TlsHandshake.RunAsync"/>.</summary>
internal sealed record TlsHandshakeRequest
{
    /// <summary>The SNI name and the name the certificate is checked against; an IP literal sends no SNI.</summary>
    public required string TargetHost { get; init; }

    /// <summary>How failure messages name the peer (<c>host:port</c>).</summary>
    public required string Target { get; init; }

    /// <summary>The check's timeout, which a timeout's message quotes.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>What the check trusts (SslStream's own chain build, before the validation callback).</summary>
    public required TlsTrust Trust { get; init; }

    /// <summary>The client certificate to offer for mutual TLS; null offers none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The ALPN protocols to offer, most preferred first; null offers none (no ALPN extension).</summary>
    public List<SslApplicationProtocol>? ApplicationProtocols { get; init; }
}

/// <summary>What one handshake came to: the authenticated stream, or why there is none; its phase either way.</summary>
/// <param name="Stream">The authenticated SslStream, owned by the caller now; null when the handshake failed.</param>
/// <param name="Phase">The <c>tls</c> phase: the handshake without <paramref name="Bookkeeping"/>.</param>
/// <param name="Bookkeeping">Sentinel's own work inside the handshake (copying the served certificates): in no phase.</param>
/// <param name="Request">What was asked, for the failure's message.</param>
internal sealed record TlsHandshakeOutcome(SslStream? Stream, TimeSpan Phase, TimeSpan Bookkeeping, TlsHandshakeRequest Request)
{
    /// <summary>Whether the check's deadline ended the handshake.</summary>
    public bool TimedOut { get; init; }

    /// <summary>What a handshake that failed before the deadline threw (see <see cref="TlsHandshakeFailure.VerifierFailed"/>).</summary>
    public Exception? Error { get; init; }

    /// <summary>
    /// The classified failure (<c>tls_timeout</c> or <c>tls_handshake_failed</c>), once the caller knows what else
    /// explains it: the server's first bytes, the legacy version a ClientHello for inspection found (see
    /// <see cref="TlsHandshakeFailure.Classify"/>).
    /// </summary>
    public Problem Failure(TlsCapture capture, ReadOnlySpan<byte> firstBytes = default, string? onlyLegacyVersion = null) =>
        TimedOut
            ? TlsHandshakeFailure.Timeout(Request.Target, Duration.Format(Request.Timeout))
            : TlsHandshakeFailure.Classify(Error ?? throw new InvalidOperationException("the handshake did not fail"), Request.Target, capture, firstBytes, onlyLegacyVersion);
}
