using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// Records what a TLS handshake yields, from inside SslStream's own callbacks, independently of how the
/// connection was made (a <c>tls</c> check's SslStream, an <c>https</c> check's SocketsHttpHandler): the
/// certificates the server sent, in the order it sent them; the library's verdict; whether the server asked for a
/// client certificate; and, once authenticated, the negotiated version and cipher suite. Give the result to
/// <see cref="TlsInspector.InspectAsync"/>.
/// </summary>
/// <remarks>
/// <para>Wire it into the <see cref="SslClientAuthenticationOptions"/> of the connection (for SocketsHttpHandler:
/// its <c>SslOptions</c>) with <see cref="ConfigureClient"/>, which sets:</para>
/// <list type="number">
/// <item><c>RemoteCertificateValidationCallback = OnRemoteCertificate</c>. It copies the certificates
/// (SslStream disposes its own after the callback; the copies are <see cref="CertificateCache"/>'s, shared by the
/// runs that are served the same certificate) and returns true: the handshake completes whatever the
/// certificate's faults, so that they are all inspected and the rest of the exchange is still measured. The
/// verdicts come from the inspection, which makes the result down when the certificate is not acceptable.
/// A caller that must not talk to an unverified server (it sends credentials) may replace the callback with
/// one that calls <see cref="OnRemoteCertificate"/> and then returns false; the capture is complete then.</item>
/// <item><c>LocalCertificateSelectionCallback = SelectClientCertificate(clientCertificate)</c>, so that a server
/// asking for a certificate is noticed and named in the handshake failure.</item>
/// <item><c>CertificateChainPolicy = trust.ClientChainPolicy(now)</c>, so that the library's own chain build
/// does not download intermediates (AIA) during the timed handshake. It puts nothing in its ExtraStore: the
/// callback reads the served certificates from there.</item>
/// <item><c>AllowTlsResume = false</c>, so each run measures and inspects a full handshake.</item>
/// </list>
/// <para>After the handshake call <see cref="OnAuthenticated"/> with the SslStream (SocketsHttpHandler: from its
/// <c>PlaintextStreamFilter</c>, whose context's PlaintextStream is the authenticated SslStream for https);
/// SslStream refuses to tell the version inside the validation callback.</para>
/// <para>One capture describes the latest handshake it saw: an https check that follows redirects to other
/// hosts inspects the last one, as blackbox_exporter reports the last response's TLS state.</para>
/// </remarks>
internal sealed class TlsCapture
{
    /// <summary>The most certificates kept from one handshake; real chains have two to four.</summary>
    public const int MaxCertificates = 32;

    private readonly object _gate = new();
    private IReadOnlyList<X509Certificate2> _served = [];

    /// <summary>The certificates the server sent, leaf first, in its order; empty until a certificate arrived.</summary>
    public IReadOnlyList<X509Certificate2> Served
    {
        get
        {
            lock (_gate)
            {
                return _served;
            }
        }
    }

    /// <summary>Whether the certificates were read from a ClientHello sent only for inspection (the real handshake failed first).</summary>
    public bool CapturedForInspectionOnly { get; private set; }

    /// <summary>The library's verdict, for reference; the inspection derives its own, finer one.</summary>
    public SslPolicyErrors PolicyErrors { get; private set; }

    /// <summary>The SNI name the handshake used, when SslStream told it.</summary>
    public string? ServerName { get; private set; }

    /// <summary>The negotiated version, once <see cref="OnAuthenticated"/> was called.</summary>
    public SslProtocols? Protocol { get; private set; }

    /// <summary>The negotiated cipher suite, once <see cref="OnAuthenticated"/> was called.</summary>
    public TlsCipherSuite? CipherSuite { get; private set; }

    /// <summary>Whether the server sent a CertificateRequest that the client had no certificate for.</summary>
    public bool ClientCertificateRequested { get; private set; }

    /// <summary>The CAs the server said it accepts client certificates from, when it asked.</summary>
    public IReadOnlyList<string> AcceptableClientIssuers { get; private set; } = [];

    /// <summary>The client certificate offered, when there was one.</summary>
    public X509Certificate2? ClientCertificate { get; private set; }

    /// <summary>How many server certificates this capture saw (more than one after redirects across hosts).</summary>
    public int Handshakes { get; private set; }

    /// <summary>
    /// Sets the callbacks, chain policy and session options described in the class remarks on
    /// <paramref name="options"/>; the caller sets <c>TargetHost</c> (the SNI name) and anything else it needs.
    /// </summary>
    public void ConfigureClient(SslClientAuthenticationOptions options, TlsTrust trust, X509Certificate2? clientCertificate, DateTimeOffset now)
    {
#pragma warning disable CA5359 // Accepting is deliberate: the inspection judges the certificate, also when it is invalid.
        options.RemoteCertificateValidationCallback = OnRemoteCertificate;
#pragma warning restore CA5359
        options.LocalCertificateSelectionCallback = SelectClientCertificate(clientCertificate);
        options.CertificateChainPolicy = trust.ClientChainPolicy(now);
        options.AllowTlsResume = false;
    }

    /// <summary>
    /// A <see cref="RemoteCertificateValidationCallback"/>: records the certificates and the library's verdict,
    /// and accepts the connection so the handshake completes (see the class remarks).
    /// </summary>
    public bool OnRemoteCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors sslPolicyErrors)
    {
        var served = new List<X509Certificate2>();
        if (certificate is not null)
        {
            served.Add(certificate is X509Certificate2 full ? CertificateCache.Load(full.RawDataMemory.Span) : CertificateCache.Load(certificate.GetRawCertData()));
        }

        // On Linux SslStream puts what the server sent (SSL_get_peer_cert_chain: the leaf, then the rest in the
        // order sent) into the chain's ExtraStore before calling back.
        foreach (var sent in chain?.ChainPolicy.ExtraStore ?? [])
        {
            if (served.Count >= MaxCertificates)
            {
                break;
            }

            if (served.Count == 0 || !sent.RawDataMemory.Span.SequenceEqual(served[0].RawDataMemory.Span))
            {
                served.Add(CertificateCache.Load(sent.RawDataMemory.Span));
            }
        }

        lock (_gate)
        {
            _served = served;
            PolicyErrors = sslPolicyErrors;
            ServerName = (sender as SslStream)?.TargetHostName is { Length: > 0 } name ? name : null;
            CapturedForInspectionOnly = false;
            Handshakes++;
        }

        return true;
    }

    /// <summary>
    /// A <see cref="LocalCertificateSelectionCallback"/> that offers <paramref name="clientCertificate"/> (may be
    /// null) and notes when the server asked for a certificate the client does not have.
    /// </summary>
    public LocalCertificateSelectionCallback SelectClientCertificate(X509Certificate2? clientCertificate)
    {
        ClientCertificate = clientCertificate;
        return (sender, targetHost, localCertificates, remoteCertificate, acceptableIssuers) =>
        {
            // SslStream calls once before the handshake (no remote certificate yet) to pick a certificate up front;
            // it calls again, with the server's certificate, only when a CertificateRequest arrived and it had none.
            if (remoteCertificate is not null)
            {
                ClientCertificateRequested = true;
                AcceptableClientIssuers = acceptableIssuers.Take(16).Select(CertificateFacts.Printable).ToArray();
            }

            return clientCertificate!;
        };
    }

    /// <summary>Records the negotiated version and cipher suite of an authenticated stream.</summary>
    public void OnAuthenticated(SslStream stream)
    {
        Protocol = stream.SslProtocol;
        CipherSuite = stream.NegotiatedCipherSuite;
    }

    /// <summary>
    /// Records certificates read outside SslStream (from a ClientHello sent only to read the server's Certificate
    /// message after the real handshake failed), unless the real handshake captured some.
    /// </summary>
    public void OnCertificatesReadForInspection(IReadOnlyList<X509Certificate2> served)
    {
        lock (_gate)
        {
            if (_served.Count > 0 || served.Count == 0)
            {
                return;
            }

            _served = served.Take(MaxCertificates).ToArray();
            CapturedForInspectionOnly = true;
        }
    }
}
