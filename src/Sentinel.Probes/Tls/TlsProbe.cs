using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tcp;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Tls;

/// <summary>
/// <c>type: "tls"</c>: resolves <c>host:port</c>, connects, optionally upgrades with STARTTLS, and performs a full
/// TLS handshake (a new session every run), timing <c>resolve</c>, <c>connect</c>, <c>starttls</c> and <c>tls</c>.
/// The handshake completes whatever the certificate's faults, so that the chain is always inspected
/// (<see cref="TlsInspector"/>) and its series exported, also when it does not validate. When the handshake fails
/// before a certificate arrived, a ClientHello sent only for inspection reads the Certificate message (TLS 1.2
/// and older send it in clear text), so a refused handshake still shows its chain where at all possible.
/// </summary>
internal sealed class TlsProbe : IProbe, IWarmUp
{
    /// <summary>The phases a run times, each a measurement, and its total.</summary>
    public static readonly DurationMeasurements Durations = DurationMeasurements.Listed(
        "tls", PhaseNames.Resolve, PhaseNames.Connect, PhaseNames.StartTls, PhaseNames.Tls);

    public static ProbeType Type { get; } = new()
    {
        Name = "tls",
        Summary = "Connects to host:port (optionally after STARTTLS), performs a TLS handshake and inspects the certificate chain.",
        Probe = new TlsProbe(),
        ReadSection = TlsSection.Read,
        ValidateTarget = ValidateTarget,
        Durations = Durations,
        Measurements =
        [
            .. Durations.Declared, TlsMeasurements.HandshakeMs, TlsMeasurements.Version, TlsMeasurements.Cipher, TlsVersionAudit.VersionsAccepted,
            TlsMeasurements.CertDaysLeft, TlsMeasurements.CertChainDaysLeft,
        ],
        Metrics = [TargetResolution.LookupTime, TargetResolution.IpProtocol, TargetResolution.IpAddrHash, .. TlsMetrics.All],
    };

    /// <summary>A target is host:port; a URL gets a message that says how to write it.</summary>
    private static string? ValidateTarget(string target)
    {
        if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && target.Contains("://", StringComparison.Ordinal))
        {
            return $"expected host:port, got a URL; write \"{uri.IdnHost}:{(uri.IsDefaultPort && uri.Scheme == "https" ? 443 : uri.Port)}\" (for an HTTPS request, use type http)";
        }

        return HostPort.TryParse(target, 0, out _, out var error) ? null : error;
    }

    public async ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var target = HostPort.TryParse(check.Target, 0, out var parsed, out var error) ? parsed : throw new ArgumentException(error, nameof(check));
        var section = check.SectionAs<TlsSection>() ?? TlsSection.Default;
        var settings = section.Settings;
        var result = new ProbeResultBuilder(check);
        var start = context.Time.GetTimestamp();
        var resolver = context.ResolverFor(check).Name;

        var trust = TlsTrust.Load(settings.CaFile, out var trustProblem);
        var clientCertificate = trustProblem is null ? TlsClientCertificate.Load(settings, out trustProblem) : null;
        if (trustProblem is not null)
        {
            result.Problem(trustProblem);
            result.Details = new TlsDetails(resolver, []) { StartTls = section.StartTls };
            return result.Build();
        }

        using (clientCertificate)
        {
            var addresses = await TargetResolution.ResolveAsync(check, target, context, result, cancellationToken).ConfigureAwait(false);
            if (addresses is null)
            {
                result.Details = new TlsDetails(resolver, []) { StartTls = section.StartTls };
                result.MeasureDurations(Durations, context.Time.GetElapsedTime(start));
                return result.Build();
            }

            var remote = new IPEndPoint(addresses[0], target.Port);
            var run = new Run(check, target, section, trust, clientCertificate, remote, context, result);
            var details = await run.ConnectAndInspectAsync(cancellationToken).ConfigureAwait(false);
            result.Details = new TlsDetails(resolver, addresses, remote, details.Local)
            {
                StartTls = section.StartTls,
                Handshake = details.Handshake,
                Versions = details.Versions,
            };
            result.MeasureDurations(Durations, context.Time.GetElapsedTime(start));
            return result.Build();
        }
    }

    public ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken) => TlsWarmUp.RunAsync(run, context, cancellationToken);

    /// <summary>One run past name resolution: connect, STARTTLS, handshake, inspection, audit.</summary>
    private sealed class Run(
        CheckDefinition check, HostPort target, TlsSection section, TlsTrust trust, X509Certificate2? clientCertificate,
        IPEndPoint remote, ProbeContext context, ProbeResultBuilder result)
    {
        private readonly string _name = remote.ToString();
        private TimeSpan _connectTime;

        /// <summary>SNI: the configured name, else the target's host name; none for an IP address (RFC 6066, 3).</summary>
        private string? ServerName => section.Settings.ServerName ?? (target.Address is null ? target.Host : null);

        public async ValueTask<(IPEndPoint? Local, TlsInspectionDetails? Handshake, IReadOnlyList<VersionOutcome>? Versions)> ConnectAndInspectAsync(CancellationToken cancellationToken)
        {
            var connecting = context.Time.GetTimestamp();
            var socket = await TcpConnector.ConnectAsync(remote, check, context, result, cancellationToken).ConfigureAwait(false);
            _connectTime = context.Time.GetElapsedTime(connecting);
            if (socket is null)
            {
                return (null, null, null);
            }

            var local = socket.LocalEndPoint as IPEndPoint;
            var capture = new TlsCapture();
            TlsHandshakeOutcome? failure;
            byte[] firstBytes;

            // The connection is closed before anything else connects: servers that serve one connection at a time
            // (openssl s_server, small appliances) would otherwise leave the audit's connections waiting.
            using (socket)
            {
                var network = new NetworkStream(socket, ownsSocket: false);
                await using (network.ConfigureAwait(false))
                {
                    if (section.StartTls is { } protocol && !await StartTlsAsync(protocol, network, local, cancellationToken).ConfigureAwait(false))
                    {
                        return (local, null, null);
                    }

                    // First bytes from the ClientHello on, after any STARTTLS exchange: a failed handshake quotes what
                    // the server answered to TLS, never its plain-text greeting.
                    var stream = new FirstBytesStream(network);
                    await using (stream.ConfigureAwait(false))
                    {
                        failure = await HandshakeAsync(stream, capture, cancellationToken).ConfigureAwait(false);
                        firstBytes = stream.First.ToArray();
                    }
                }
            }

            if (failure is { TimedOut: true })
            {
                result.Problem(failure.Failure(capture));
            }
            else if (failure is not null)
            {
                var onlyLegacy = await TlsInspectionHello.ReadAsync(remote, StartTls.Upgrade(section.StartTls, _name), ServerName, capture, cancellationToken).ConfigureAwait(false);
                result.Problem(failure.Failure(capture, firstBytes, onlyLegacy));
            }

            // The handshake under the name https checks give it too: the tls phase, however the handshake ended.
            if (result.PhaseDuration(PhaseNames.Tls) is { } handshake)
            {
                result.Measure(TlsMeasurements.HandshakeMs, handshake.TotalMilliseconds);
            }

            var inspection = await TlsInspector.InspectAsync(capture,
                new TlsExpectations(section.Settings.ExpectedHost(target), trust, section.Settings.ExpiryThreshold), check.Id, context, cancellationToken).ConfigureAwait(false);
            inspection.ApplyTo(result);

            IReadOnlyList<VersionOutcome>? versions = null;
            if (section.AuditVersions)
            {
                versions = await TlsVersionAudit.RunAsync(remote, section.StartTls, ServerName, _name, cancellationToken).ConfigureAwait(false);
                TlsVersionAudit.Record(versions, result);
            }

            return (local, inspection.Details, versions);
        }

        private async ValueTask<bool> StartTlsAsync(StartTlsProtocol protocol, Stream stream, IPEndPoint? local, CancellationToken cancellationToken)
        {
            var started = context.Time.GetTimestamp();
            Problem? problem;
            try
            {
                problem = await StartTls.NegotiateAsync(protocol, stream, _name, local, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                problem = TlsHandshakeFailure.Timeout(_name, Duration.Format(check.Timeout), $"the {StartTls.Name(protocol)} STARTTLS exchange");
            }

            result.Phase(PhaseNames.StartTls, context.Time.GetElapsedTime(started));
            if (problem is not null)
            {
                result.Problem(problem);
            }

            return problem is null;
        }

        /// <summary>
        /// Runs the handshake and records the <c>tls</c> phase. Returns the failure of a handshake that did not
        /// complete, to be classified once more is known; a client certificate refused afterwards is recorded here.
        /// </summary>
        private async ValueTask<TlsHandshakeOutcome?> HandshakeAsync(FirstBytesStream stream, TlsCapture capture, CancellationToken cancellationToken)
        {
            // The record watch sees what the server sends after the handshake: its verdict on a client certificate.
            var records = new TlsRecordWatch(stream);
            var handshake = await TlsHandshake.RunAsync(records, new TlsHandshakeRequest
            {
                // Without SNI (an IP target) SslStream still needs a name; it sends none for an address.
                TargetHost = ServerName ?? target.Host,
                Target = _name,
                Timeout = check.Timeout,
                Trust = trust,
                ClientCertificate = clientCertificate,
            }, capture, context.Time, cancellationToken).ConfigureAwait(false);
            result.Phase(PhaseNames.Tls, handshake.Phase);
            if (handshake.Stream is not { } ssl)
            {
                return handshake;
            }

            await using (ssl.ConfigureAwait(false))
            {
                if (await TlsClientCertificateVerdict.AwaitAsync(ssl, records, capture, _connectTime, _name, context, cancellationToken).ConfigureAwait(false) is { } rejected)
                {
                    result.Problem(rejected);
                }
            }

            return null;
        }
    }
}
