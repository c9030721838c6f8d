using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>What a handshake is expected to prove: the host it is for, whom to trust, how early to warn.</summary>
/// <param name="Host">The name (A-label form) or IP address the certificate must name: the SNI name, else the target's host.</param>
/// <param name="Trust">The check's trust (its caFile, or the system store).</param>
/// <param name="ExpiryThreshold">Certificates expiring sooner make the result degraded (<c>tls_expiring</c>).</param>
internal sealed record TlsExpectations(string Host, TlsTrust Trust, TimeSpan ExpiryThreshold);

/// <summary>
/// Inspects what a TLS handshake yielded — whatever made the connection — and turns it into verdicts,
/// measurements, series and details. It needs no connection of its own: the certificates the server sent (in
/// order), the negotiated version and cipher come from a <see cref="TlsCapture"/>; the chain is built here,
/// without downloads, once with what was sent and the check's trust; dates, names, keys and signatures are read
/// from the certificates themselves. An expired, untrusted or wrong-host certificate is inspected in full: that
/// is when its details matter most.
/// </summary>
/// <remarks>
/// <para>Usage, for any probe that makes TLS connections (see <see cref="TlsCapture"/> for the wiring):</para>
/// <code>
/// var trust = TlsTrust.Load(settings.CaFile, out var trustProblem);          // probe_error when unreadable
/// var clientCertificate = TlsClientCertificate.Load(settings, out var certificateProblem);
/// var capture = new TlsCapture();
/// var options = new SslClientAuthenticationOptions { TargetHost = sni };      // SocketsHttpHandler: handler.SslOptions
/// capture.ConfigureClient(options, trust, clientCertificate, context.Time.GetUtcNow()); // captures, then accepts
/// // … handshake (SslStream.AuthenticateAsClientAsync, or the HTTP request) …
/// capture.OnAuthenticated(sslStream);   // version and cipher; SocketsHttpHandler: in its PlaintextStreamFilter
/// // on a failed handshake: result.Problem(TlsHandshakeFailure.Classify(ex, target, capture));
/// var inspection = await TlsInspector.InspectAsync(capture,
///     new TlsExpectations(settings.ExpectedHost(target), trust, settings.ExpiryThreshold),
///     check.Id, context, cancellationToken);
/// inspection.ApplyTo(result);           // problems, cert.* and tls.* measurements, probe_ssl_* series
/// // inspection.Details: JSON and report lines of the chain, to embed in the probe's own details.
/// </code>
/// <para>The caller measures the handshake itself (<c>tls.handshake_ms</c>, the <c>tls</c> phase).</para>
/// </remarks>
internal static class TlsInspector
{
    /// <summary>The longest label value of <c>probe_ssl_last_chain_info</c>; a hostile certificate may carry thousands of SANs.</summary>
    public const int MaxLabelLength = 1024;

    /// <summary>
    /// Inspects <paramref name="capture"/>. Never throws for anything the server sent; reads and updates the
    /// check's renewal state (<see cref="TlsRenewalWatch"/>) through <paramref name="context"/>.
    /// </summary>
    public static async ValueTask<TlsInspection> InspectAsync(
        TlsCapture capture, TlsExpectations expectations, string checkId, ProbeContext context, CancellationToken cancellationToken)
    {
        var now = context.Time.GetUtcNow();
        var problems = new List<Problem>();
        var findings = new List<Finding>();
        var measurements = new List<KeyValuePair<string, MeasurementValue>>();
        var samples = new List<MetricSample>();

        if (capture.Protocol is { } protocol)
        {
            var version = TlsVersionNames.Of(protocol);
            measurements.Add(new(TlsMeasurements.Version, MeasurementValue.Of(version)));
            samples.Add(new MetricSample(TlsMetrics.TlsVersionInfo, 1, [version]));
        }

        if (capture.CipherSuite is { } cipher)
        {
            measurements.Add(new(TlsMeasurements.Cipher, MeasurementValue.Of(cipher.ToString())));
            samples.Add(new MetricSample(TlsMetrics.CipherInfo, 1, [cipher.ToString()]));
        }

        TlsChain? chain = null;
        if (capture.Served.Count > 0)
        {
            var served = capture.Served.Select(CertificateFacts.Of).ToList();
            chain = TlsChain.Build(served, expectations.Trust, now);
            problems.AddRange(TlsVerdicts.Judge(chain, expectations.Host, expectations.Trust, expectations.ExpiryThreshold, now));
            findings.AddRange(TlsVerdicts.Findings(chain, expectations.Host, now));
            if (await TlsRenewalWatch.CheckAsync(served[0], checkId, context, cancellationToken).ConfigureAwait(false) is { } overdue)
            {
                problems.Add(overdue);
            }

            measurements.Add(new(TlsMeasurements.CertDaysLeft, MeasurementValue.Of(Math.Round(served[0].DaysLeft(now), 3))));
            // The chain clients use, as the date verdicts judge it: a stale extra certificate the server sends does not
            // count here (probe_ssl_earliest_cert_expiry, as blackbox_exporter's, still does).
            measurements.Add(new(TlsMeasurements.CertChainDaysLeft, MeasurementValue.Of(Math.Round(chain.Judged.Min(c => c.Facts.DaysLeft(now)), 3))));
            samples.AddRange(Samples(served, chain));
        }

        var details = new TlsInspectionDetails(capture, expectations, chain, now);
        return new TlsInspection(problems, measurements, samples, details) { Findings = findings };
    }

    private static IEnumerable<MetricSample> Samples(List<CertificateFacts> served, TlsChain chain)
    {
        // Over everything the server sent, used or not, as blackbox_exporter's getEarliestCertExpiry (PeerCertificates).
        yield return new MetricSample(TlsMetrics.EarliestCertExpiry, served.Min(f => f.NotAfter).ToUnixTimeSeconds(), []);
        yield return new MetricSample(TlsMetrics.LastChainExpiry, chain.Path.Min(c => c.Facts.NotAfter).ToUnixTimeSeconds(), []);

        // Subject and issuer as Go writes them (blackbox_exporter's cert.Subject.String()), not as reports do.
        var leaf = served[0];
        yield return new MetricSample(TlsMetrics.LastChainInfo, 1,
        [
            leaf.Sha256, Label(GoDistinguishedName.Format(leaf.Certificate.SubjectName)), Label(GoDistinguishedName.Format(leaf.Certificate.IssuerName)),
            Label(string.Join(",", leaf.DnsNames)), leaf.SerialNumber,
        ]);

        var intermediate = 0;
        foreach (var certificate in chain.Path)
        {
            if (certificate.Position == ChainPosition.Intermediate)
            {
                intermediate++;
            }

            yield return new MetricSample(TlsMetrics.CertExpiry, certificate.Facts.NotAfter.ToUnixTimeSeconds(), [certificate.MetricPosition(intermediate)]);
        }
    }

    private static string Label(string value) => value.Length <= MaxLabelLength ? value : value[..MaxLabelLength];
}

/// <summary>The outcome of <see cref="TlsInspector.InspectAsync"/>.</summary>
/// <param name="Problems">The verdicts, most important first (warnings such as tls_expiring last).</param>
/// <param name="Measurements"><c>tls.version</c>, <c>tls.cipher</c>, <c>cert.days_left</c>, <c>cert.chain_days_left</c>, those that apply.</param>
/// <param name="Samples">The <see cref="TlsMetrics"/> series.</param>
/// <param name="Details">The certificates and the handshake, for JSON and the readable report.</param>
internal sealed record TlsInspection(
    IReadOnlyList<Problem> Problems,
    IReadOnlyList<KeyValuePair<string, MeasurementValue>> Measurements,
    IReadOnlyList<MetricSample> Samples,
    TlsInspectionDetails Details)
{
    /// <summary>What is worth knowing but fails nothing (<c>tls.unused_certificate_expired</c>, <c>tls.wildcard_unchecked</c>).</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    /// <summary>Records the problems, findings, measurements and series in <paramref name="result"/>.</summary>
    public void ApplyTo(ProbeResultBuilder result)
    {
        foreach (var problem in Problems)
        {
            result.Problem(problem);
        }

        foreach (var finding in Findings)
        {
            result.Finding(finding);
        }

        foreach (var (name, value) in Measurements)
        {
            if (value.Number is { } number)
            {
                result.Measure(name, number);
            }
            else
            {
                result.Measure(name, value.Text!);
            }
        }

        foreach (var sample in Samples)
        {
            result.Sample(sample.Metric, sample.Value, sample.Labels);
        }
    }
}
