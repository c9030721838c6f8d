using System.Net;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// One run of an http or headers check: an HTTP(S) exchange through .NET's own HTTP stack (SocketsHttpHandler), timed
/// per phase with blackbox_exporter's names — <c>resolve</c>, <c>connect</c>, <c>tls</c>, <c>processing</c> (request
/// sent → first response byte), <c>transfer</c> (first → last byte) — summed over the redirects it follows. The
/// handler's ConnectCallback does resolution, connection and the TLS handshake (<see cref="HttpConnector"/>), the TLS
/// verdicts are the shared inspection's (<see cref="TlsInspector"/>), a timing stream above TLS marks the exchange
/// (<see cref="TimingStream"/>). Every address of the name can be probed (<see cref="AddressPolicy"/>). After an
/// exchange that passed, the probe's audit step (<see cref="IHttpAudit"/>), if any, runs on the address the result
/// describes.
/// </summary>
internal static class HttpExchange
{
    /// <summary>The series an exchange exports (an audit step adds its own).</summary>
    public static IReadOnlyList<MetricDescriptor> Metrics { get; } =
        [.. HttpMetrics.All, TargetResolution.LookupTime, TargetResolution.IpProtocol, TargetResolution.IpAddrHash, .. TlsMetrics.All];

    /// <summary>
    /// Runs <paramref name="check"/>'s exchange with <paramref name="section"/>'s settings, then <paramref name="audit"/>
    /// when the exchange passed. Never throws for the target's failures.
    /// </summary>
    public static async ValueTask<ProbeResult> RunAsync(
        CheckDefinition check, HttpSection section, ProbeContext context, IHttpAudit? audit, CancellationToken cancellationToken)
    {
        var url = new Uri(check.Target);
        var result = new ProbeResultBuilder(check);
        var loading = context.Time.GetTimestamp();
        var details = new HttpDetails(context.ResolverFor(check).Name, section);
        result.Details = details;

        // Files the check names are this node's configuration: unreadable ones are probe_error, not the target's fault.
        var trust = TlsTrust.Load(section.Tls.CaFile, out var trustProblem);
        var clientCertificate = TlsClientCertificate.Load(section.Tls, out var certificateProblem);
        if ((trustProblem ?? certificateProblem) is { } configuration)
        {
            result.Problem(configuration);
            result.MeasureDurations(HttpMeasurements.Durations, context.Time.GetElapsedTime(loading));
            return result.Build();
        }

        // Total is timed from here, as curl's time_total from its name lookup: reading the check's CA and client
        // certificate files above is this node's configuration, not the target.
        var start = context.Time.GetTimestamp();
        var host = url.HostNameType == UriHostNameType.IPv6 ? url.Host.Trim('[', ']') : url.IdnHost;
        var resolved = section.Proxy is { } proxy ? Target(proxy.IdnHost, proxy.Port) : Target(host, url.Port);
        var addresses = await TargetResolution.ResolveAsync(check, resolved, context, result, cancellationToken).ConfigureAwait(false);
        var resolvedAt = context.Time.GetTimestamp();
        if (addresses is null)
        {
            result.MeasureDurations(HttpMeasurements.Durations, context.Time.GetElapsedTime(start));
            return result.Build();
        }

        details.Addresses = addresses;
        var probed = section.Addresses.Probed(addresses.Count);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, probed).Select(i =>
            RunAddressAsync(i, new HttpPin(host, addresses[i], section.Proxy), check, section, context, trust, clientCertificate, cancellationToken))).ConfigureAwait(false);

        HttpOutcomes.Compose(result, details, section, outcomes, context.Time);
        if (audit is not null && details.Up[details.Representative])
        {
            // The audit's own requests go to the address the result describes, through the same connector.
            var chosen = outcomes[details.Representative];
            details.Audit = await audit.RunAsync(new HttpAuditRun(check, section, context, result, chosen,
                () => HttpClientLease.Create(check, section, context, new HttpPin(host, chosen.Address, section.Proxy), trust, clientCertificate)), cancellationToken).ConfigureAwait(false);
        }

        // Total is curl's time_total: from the start of resolution to the last byte of the (representative) exchange.
        // An exchange that got its last byte is the sum of its phases — name resolution, then each hop's connect, tls,
        // processing and transfer — which are contiguous on the wire, as curl's are; what lies between them is
        // Sentinel's own work (building the client and the request, HttpClient's connection set-up, the certificate
        // verdict, following a redirect), not the target's, and it grows with the node's load rather than the target's.
        // An exchange cut short ends when the attempt did, less the work of Sentinel's that was timed.
        var shown = outcomes[details.Representative];
        var hops = shown.Exchange.Hops;
        TimeSpan total;
        if (hops.Count > 0 && hops[^1].LastByteAt is not null)
        {
            total = hops.SelectMany(hop => hop.Phases).Aggregate(context.Time.GetElapsedTime(start, resolvedAt), (sum, phase) => sum + phase.Duration);
        }
        else
        {
            var setup = hops.Count > 0 && hops[0].ConnectStartedAt is { } connecting && connecting > resolvedAt
                ? context.Time.GetElapsedTime(resolvedAt, connecting)
                : TimeSpan.Zero;
            total = context.Time.GetElapsedTime(start, shown.EndedAt) - setup - hops.Aggregate(TimeSpan.Zero, (sum, hop) => sum + hop.Bookkeeping);
        }

        result.MeasureDurations(HttpMeasurements.Durations, total);
        return result.Build();
    }

    private static async Task<HttpAddressOutcome> RunAddressAsync(
        int index, HttpPin pin, CheckDefinition check, HttpSection section, ProbeContext context, TlsTrust trust, X509Certificate2? clientCertificate, CancellationToken cancellationToken)
    {
        HttpClientLease Create() => HttpClientLease.Create(check, section, context, pin, trust, clientCertificate);
        var lease = section.ReuseConnection ? HttpConnections.Get(check, section, Create, pin.Address) : Create();
        try
        {
            var start = context.Time.GetTimestamp();
            var outcome = await HttpAttempt.RunAsync(check, section, context, lease.Invoker, lease.Connector, cancellationToken).ConfigureAwait(false);
            var ended = context.Time.GetTimestamp();
            var duration = context.Time.GetElapsedTime(start, ended);
            TlsInspection? inspection = null;
            if (lease.Connector.TlsHost is { } tlsHost)
            {
                // Inspection reads and writes the check's renewal state; a deadline already hit still gets a moment.
                using var late = new CancellationTokenSource(TimeSpan.FromSeconds(1), context.Time);
                inspection = await TlsInspector.InspectAsync(lease.Connector.Capture,
                    new TlsExpectations(tlsHost, trust, section.Tls.ExpiryThreshold), check.Id, context,
                    cancellationToken.IsCancellationRequested ? late.Token : cancellationToken).ConfigureAwait(false);
            }

            return new HttpAddressOutcome(index, pin.Address, outcome, inspection, duration, lease.Connector.Handshaked) { EndedAt = ended };
        }
        finally
        {
            if (!section.ReuseConnection)
            {
                lease.Dispose();
            }
        }
    }

    private static HostPort Target(string host, int port) =>
        IPAddress.TryParse(host, out var address) ? new HostPort(address.ToString(), port, address) : new HostPort(host, port, null);
}

/// <summary>One address's exchange and the inspection of its TLS handshake, if it made one.</summary>
internal sealed record HttpAddressOutcome(
    int Index, IPAddress Address, HttpAttemptOutcome Exchange, TlsInspection? Inspection, TimeSpan Duration, bool Handshaked)
{
    /// <summary>When the exchange ended (its last byte, or its failure), before the certificate inspection.</summary>
    public long EndedAt { get; init; }

    public string Family => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
}
