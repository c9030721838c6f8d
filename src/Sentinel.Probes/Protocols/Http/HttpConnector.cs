using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tcp;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// SocketsHttpHandler's ConnectCallback and PlaintextStreamFilter for one address of a check: it resolves names
/// (redirects to other hosts) with the check's resolver, connects with <see cref="TcpConnector"/> and does the TLS
/// handshake itself, so that resolve, connect and tls are timed and classified exactly as the tcp and tls probes
/// do. It returns the authenticated SslStream, which SocketsHttpHandler uses as is (it negotiates TLS only over
/// streams that are not SslStreams already) and whose ALPN result decides between HTTP/1.1 and HTTP/2.
/// </summary>
internal sealed class HttpConnector(
    CheckDefinition check, HttpSection section, ProbeContext context, HttpPin pin, TlsTrust trust, X509Certificate2? clientCertificate)
{
    private volatile HttpHop? _hop;

    /// <summary>The hop being timed: connections and the timing stream report into it.</summary>
    public HttpHop? Hop
    {
        get => _hop;
        set => _hop = value;
    }

    /// <summary>The deadline of the current run.</summary>
    public CancellationToken Deadline { get; set; }

    /// <summary>What the latest handshake yielded; kept across runs when connections are reused.</summary>
    public TlsCapture Capture { get; } = new();

    /// <summary>The host the latest handshake's certificate must name, or null before one.</summary>
    public string? TlsHost { get; private set; }

    /// <summary>Whether a handshake completed, so that the capture has a version and cipher.</summary>
    public bool Handshaked { get; private set; }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext connection, CancellationToken cancellationToken)
    {
        var hop = Hop ?? throw new InvalidOperationException("a connection was opened outside a hop");

        // SocketsHttpHandler lets a connection attempt outlive the request that started it (the request's own
        // cancellation does not reach here), so the check's deadline is linked in: a deadline hit while connecting
        // is classified by the phase it hit (dns_timeout, tcp_timeout, tls_timeout), and the hop waits for that.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Deadline);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hop.Connecting = done.Task;
        try
        {
            return await OpenAsync(hop, connection, deadline.Token).ConfigureAwait(false);
        }
        catch (HttpConnectFailedException ex)
        {
            hop.ConnectFailure = ex.Problem;
            throw;
        }
        finally
        {
            done.TrySetResult();
        }
    }

    private async ValueTask<Stream> OpenAsync(HttpHop hop, SocketsHttpConnectionContext connection, CancellationToken cancellationToken)
    {
        hop.NewConnection = true;
        var host = connection.DnsEndPoint.Host.Trim('[', ']');
        var port = connection.DnsEndPoint.Port;
        var scheme = connection.InitialRequestMessage.RequestUri?.Scheme;
        var https = scheme == Uri.UriSchemeHttps;

        // A plain-http request through the proxy: the handler connects to the proxy (host is the proxy's) and
        // sends it the request in absolute form; no tunnel.
        var forwarded = HttpForwardProxy.Forwards(section, scheme);

        var address = pin.Proxy is null && !pin.Matches(host)
            ? await ResolveAsync(hop, host, cancellationToken).ConfigureAwait(false)
            : pin.Address;
        var remote = new IPEndPoint(address, pin.Proxy?.Port ?? port);

        var scratch = new ProbeResultBuilder(check);
        var connectStart = context.Time.GetTimestamp();
        hop.ConnectStartedAt ??= connectStart;
        var socket = await TcpConnector.ConnectAsync(remote, check, context, scratch, cancellationToken).ConfigureAwait(false);
        if (socket is null)
        {
            var failed = scratch.Build();
            hop.AddPhase(PhaseNames.Connect, failed.Phase(PhaseNames.Connect) ?? TimeSpan.Zero);
            throw new HttpConnectFailedException(pin.Proxy is null ? failed.Failure! : HttpProxyTunnel.Describe(failed.Failure!, pin.Proxy));
        }

        hop.Remote = socket.RemoteEndPoint as IPEndPoint;
        hop.Local = socket.LocalEndPoint as IPEndPoint;
        // The TCP connection's own time, as TcpConnector took it (to the moment the socket was known connected),
        // rather than to here, past Sentinel's own work of wrapping the socket.
        var connected = scratch.PhaseDuration(PhaseNames.Connect) ?? context.Time.GetElapsedTime(connectStart);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (pin.Proxy is { } proxy && !forwarded)
            {
                var tunnelStart = context.Time.GetTimestamp();
                await HttpProxyTunnel.OpenAsync(stream, proxy, host, port, check, cancellationToken).ConfigureAwait(false);
                connected += context.Time.GetElapsedTime(tunnelStart);
            }

            // With a proxy, connect spans the TCP connection to the proxy and the CONNECT exchange: the tunnel
            // is the connection to the target. Forwarded, it is the connection to the proxy alone.
            hop.AddPhase(PhaseNames.Connect, connected);
            return https ? await HandshakeAsync(hop, stream, host, port, cancellationToken).ConfigureAwait(false) : stream;
        }
        catch (HttpConnectFailedException)
        {
            if (hop.Phases.All(p => p.Name != PhaseNames.Connect))
            {
                hop.AddPhase(PhaseNames.Connect, context.Time.GetElapsedTime(connectStart));
            }

            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Puts the timing stream between SocketsHttpHandler and the (plaintext) connection.</summary>
    public ValueTask<Stream> FilterAsync(SocketsHttpPlaintextStreamFilterContext filter, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(new TimingStream(filter.PlaintextStream, this, context.Time, filter.NegotiatedHttpVersion.Major == 2));

    private async ValueTask<IPAddress> ResolveAsync(HttpHop hop, string host, CancellationToken cancellationToken)
    {
        // A redirect to another host: resolved like the target, with the check's resolver and ipVersion.
        var scratch = new ProbeResultBuilder(check);
        var target = HostPort.TryParse(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host, 443, out var parsed, out _)
            ? parsed
            : new HostPort(host, 443, null);
        var addresses = await TargetResolution.ResolveAsync(check, target, context, scratch, cancellationToken).ConfigureAwait(false);
        var resolved = scratch.Build();
        hop.AddPhase(PhaseNames.Resolve, resolved.Phase(PhaseNames.Resolve) ?? TimeSpan.Zero);
        return addresses?[0] ?? throw new HttpConnectFailedException(resolved.Failure!);
    }

    /// <summary>
    /// Whether <paramref name="host"/> is the check's own host, to which the check's serverName and Host header apply;
    /// a redirect to another host is that host's own (blackbox_exporter drops its server_name there too).
    /// </summary>
    public bool IsTargetHost(string host) => pin.Matches(host);

    private async ValueTask<Stream> HandshakeAsync(HttpHop hop, Stream stream, string host, int port, CancellationToken cancellationToken)
    {
        var expected = pin.Matches(host) ? section.Tls.ServerName ?? section.HostName ?? host : host;
        var target = $"{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}";
        var handshake = await TlsHandshake.RunAsync(stream, new TlsHandshakeRequest
        {
            TargetHost = expected,
            Target = target,
            Timeout = check.Timeout,
            Trust = trust,
            ClientCertificate = clientCertificate,
            ApplicationProtocols = section.Version == HttpVersionPreference.Http2
                ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]
                : [SslApplicationProtocol.Http11],
        }, Capture, context.Time, cancellationToken).ConfigureAwait(false);
        hop.AddPhase(PhaseNames.Tls, handshake.Phase);
        hop.Bookkeeping += handshake.Bookkeeping;
        TlsHost = expected;
        if (handshake.Stream is not { } ssl)
        {
            if (handshake.Error is { } error && TlsHandshakeFailure.VerifierFailed(error) && pin.Proxy is null && hop.Remote is { } remote)
            {
                // SslStream's own chain build threw (on Linux, for a proxy certificate, RFC 3820) before the validation
                // callback saw the certificates: they are read on a connection of their own, as the tls probe does,
                // so that the inspection fails the chain closed (tls_invalid_chain) and still reports its dates. Not
                // through a proxy: a direct connection would go where the check does not. Sentinel's work, not the
                // target's: out of the total.
                var reading = context.Time.GetTimestamp();
                var serverName = IPAddress.TryParse(expected, out _) ? null : expected;
                await TlsInspectionHello.ReadAsync(remote, upgrade: null, serverName, Capture, cancellationToken).ConfigureAwait(false);
                hop.Bookkeeping += context.Time.GetElapsedTime(reading);
            }

            throw new HttpConnectFailedException(handshake.Failure(Capture));
        }

        Handshaked = true;
        var judging = context.Time.GetTimestamp();
        var refusal = section.Insecure ? [] : Refusal(expected);
        hop.Bookkeeping += context.Time.GetElapsedTime(judging);
        if (refusal.Count > 0)
        {
            // The handshake accepted the certificate only so that its chain, version and cipher are inspected and
            // reported. A server that could not prove who it is gets nothing more: the request (and the credentials
            // it may carry) is not written, as curl and blackbox_exporter stop at the handshake.
            hop.CertificateRejection = refusal;
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new HttpConnectFailedException(refusal[0]);
        }

        return ssl;
    }

    /// <summary>The certificate verdicts of the latest handshake that fail a check (warnings such as tls_expiring do not).</summary>
    private List<Problem> Refusal(string expected)
    {
        var served = Capture.Served;
        if (served.Count == 0)
        {
            return [];
        }

        // SslStream built the chain with the check's trust and checked the name already: when it found nothing, the
        // only failing verdicts left are the weak signatures and keys it does not flag. Building the chain again
        // (about 2 ms, between the handshake and the request) is kept for certificates that need a verdict.
        var facts = served.Select(CertificateFacts.Of).ToList();
        if (Capture.PolicyErrors == SslPolicyErrors.None && !facts.Exists(f => f.WeakHash is not null && !f.SelfIssued || f.WeakKeyReason is not null))
        {
            return [];
        }

        var now = context.Time.GetUtcNow();
        var chain = TlsChain.Build(facts, trust, now);
        return TlsVerdicts.Judge(chain, expected, trust, section.Tls.ExpiryThreshold, now).Where(p => p.Severity == ProblemSeverity.Error).ToList();
    }
}

/// <summary>Where a check's connections go: its target host's chosen address, or the proxy's.</summary>
/// <param name="Host">The target's host (A-label form, or the address text).</param>
/// <param name="Address">The address connections to <paramref name="Host"/> (or to the proxy) use.</param>
/// <param name="Proxy">The proxy, when connections are tunnelled through one.</param>
internal sealed record HttpPin(string Host, IPAddress Address, Uri? Proxy)
{
    public bool Matches(string host) => string.Equals(host.Trim('[', ']'), Host, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A connection failure already classified; SocketsHttpHandler wraps it in an HttpRequestException.</summary>
internal sealed class HttpConnectFailedException : Exception
{
    public HttpConnectFailedException(Problem problem)
        : base(problem.Message)
    {
        Problem = problem;
    }

    public HttpConnectFailedException()
        : this(new Problem(Layers.Probe, FailureCategories.ProbeError, "connection failed", ""))
    {
    }

    public HttpConnectFailedException(string message)
        : this(new Problem(Layers.Probe, FailureCategories.ProbeError, message, ""))
    {
    }

    public HttpConnectFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problem = new Problem(Layers.Probe, FailureCategories.ProbeError, message, "");
    }

    public Problem Problem { get; }
}
