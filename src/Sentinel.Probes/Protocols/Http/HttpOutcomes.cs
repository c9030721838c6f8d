using System.Globalization;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// Turns the outcomes of the addresses probed into one result. The phases, measurements and series are those of
/// the representative address (the first that passed, else the first); the problems are all of them. With a
/// policy over several addresses each problem names its address, and when the policy still holds (one of three
/// down under <c>any</c>) the failing addresses' problems are warnings: the result is degraded, so the bad address
/// is visible without paging anyone.
/// </summary>
internal static class HttpOutcomes
{
    public static void Compose(ProbeResultBuilder result, HttpDetails details, HttpSection section, IReadOnlyList<HttpAddressOutcome> outcomes, TimeProvider time)
    {
        var problems = outcomes.Select(o => Problems(o, section)).ToList();
        var up = problems.Select(p => p.TrueForAll(x => x.Severity != ProblemSeverity.Error)).ToList();
        var representative = Math.Max(0, up.IndexOf(true));
        var passing = up.Count(u => u);
        var needed = section.Addresses.Needed(outcomes.Count);
        details.Outcomes = outcomes;
        details.Up = up;
        details.Representative = representative;

        if (section.Addresses.Mode == AddressMode.First)
        {
            problems[0].ForEach(result.Problem);
        }
        else
        {
            if (passing < needed)
            {
                var which = section.Addresses.Mode == AddressMode.All ? "every address" : $"{needed} address{(needed == 1 ? "" : "es")}";
                details.Verdict = $"{passing} of {outcomes.Count} addresses passed; the policy {section.Addresses} needs {which}";
            }
            else
            {
                details.Verdict = $"{passing} of {outcomes.Count} addresses passed; the policy {section.Addresses} holds";
            }

            for (var i = 0; i < outcomes.Count; i++)
            {
                var prefix = $"address {i + 1} of {outcomes.Count} ({outcomes[i].Address}): ";
                foreach (var problem in problems[i])
                {
                    var severity = passing >= needed ? ProblemSeverity.Warning : problem.Severity;
                    result.Problem(problem with { Message = prefix + problem.Message, Severity = severity });
                }
            }

            result.Measure(HttpMeasurements.AddressesProbed, outcomes.Count);
            result.Measure(HttpMeasurements.AddressesUp, passing);
        }

        Measure(result, outcomes[representative]);
        for (var i = 0; i < outcomes.Count; i++)
        {
            string[] labels = [i.ToString(CultureInfo.InvariantCulture), outcomes[i].Family];
            result.Sample(HttpMetrics.AddressUp, up[i] ? 1 : 0, labels);
            result.Sample(HttpMetrics.AddressDuration, outcomes[i].Duration.TotalSeconds, labels);
        }
    }

    /// <summary>
    /// An address's problems, lowest layer first: a failed connection or handshake, then the certificate's verdicts
    /// (the connection was accepted to inspect them), then the HTTP ones.
    /// </summary>
    private static List<Problem> Problems(HttpAddressOutcome outcome, HttpSection section)
    {
        var exchange = outcome.Exchange.Problems;
        static bool Connection(Problem p) => p.Layer is Layers.Dns or Layers.Tcp or Layers.Tls or Layers.Probe;
        var certificate = (outcome.Inspection?.Problems ?? []).Select(p =>
            section.Insecure && p.Severity == ProblemSeverity.Error
                ? p with { Severity = ProblemSeverity.Warning, Message = p.Message + " (insecure: reported, not failed)" }
                : p).ToList();

        // A certificate that stopped the request is reported once, by the inspection of its handshake, which has
        // every verdict; the connection's own copy of the first stays only if the inspection found no fault.
        var rejection = outcome.Exchange.Final.CertificateRejection;
        if (rejection is not null && certificate.Exists(p => p.Severity == ProblemSeverity.Error))
        {
            exchange = exchange.Where(p => !rejection.Contains(p)).ToList();
        }

        return [.. exchange.Where(Connection), .. certificate, .. exchange.Where(p => !Connection(p))];
    }

    private static void Measure(ProbeResultBuilder result, HttpAddressOutcome outcome)
    {
        var hops = outcome.Exchange.Hops;
        var resolved = result.Build().Phase(PhaseNames.Resolve);
        foreach (var hop in hops)
        {
            foreach (var phase in hop.Phases)
            {
                result.Phase(phase.Name, phase.Duration);
            }
        }

        var final = outcome.Exchange.Final;
        if (final is { Status: { } status, Version: { } protocol })
        {
            var redirects = hops.Count - 1;

            // Written 1.0, 1.1, 2, 3 everywhere; the series has blackbox_exporter's value for the same response.
            var version = HttpVersionText.Measurement(protocol);
            var ssl = final.Url.Scheme == Uri.UriSchemeHttps ? 1 : 0;
            result.Measure(HttpMeasurements.StatusCode, status);
            result.Measure(HttpMeasurements.Version, version);
            result.Measure(HttpMeasurements.Redirects, redirects);
            result.Sample(HttpMetrics.StatusCode, status);
            result.Sample(HttpMetrics.Version, version.Number!.Value);
            result.Sample(HttpMetrics.Redirects, redirects);
            result.Sample(HttpMetrics.Ssl, ssl);
            if (final.ContentLength is { } length)
            {
                result.Sample(HttpMetrics.ContentLength, length);
            }

            if (final.WireBytes is { } wire)
            {
                result.Measure(HttpMeasurements.BodyWireBytes, wire);
                result.Sample(HttpMetrics.BodyWireBytes, wire);
            }

            if (final.DecodedBytes is { } decoded)
            {
                result.Measure(HttpMeasurements.BodyBytes, decoded);
                result.Sample(HttpMetrics.UncompressedBodyLength, decoded);
            }

            if (LastModified(final) is { } modified)
            {
                result.Sample(HttpMetrics.LastModified, modified.ToUnixTimeSeconds());
            }
        }
        else
        {
            // No response: blackbox_exporter writes its response series as 0 (Go's empty Response), and dashboards
            // built on it read a 0 status as "no answer"; the measurements stay absent.
            result.Sample(HttpMetrics.StatusCode, 0);
            result.Sample(HttpMetrics.Version, 0);
            result.Sample(HttpMetrics.Redirects, Math.Max(0, hops.Count - 1));
            result.Sample(HttpMetrics.Ssl, 0);
            result.Sample(HttpMetrics.ContentLength, 0);
            result.Sample(HttpMetrics.UncompressedBodyLength, 0);
        }

        var regex = outcome.Exchange.Problems.Any(p => p.Category is FailureCategories.HttpBodyMismatch or FailureCategories.HttpHeaderMismatch);
        result.Sample(HttpMetrics.FailedDueToRegex, regex ? 1 : 0);

        // The phases summed over the hops, as probe_http_duration_seconds{phase} (blackbox_exporter sums them too).
        var sums = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        if (resolved is { } resolve)
        {
            sums[PhaseNames.Resolve] = resolve;
        }

        foreach (var phase in hops.SelectMany(h => h.Phases))
        {
            sums[phase.Name] = sums.GetValueOrDefault(phase.Name) + phase.Duration;
        }

        // Every phase of blackbox_exporter's is written, 0 when the run did not get there (or spoke plain HTTP).
        foreach (var name in HttpMetrics.Phases.Concat(sums.Keys.Except(HttpMetrics.Phases)))
        {
            result.Sample(HttpMetrics.Duration, sums.GetValueOrDefault(name).TotalSeconds, name);
        }

        // The handshake under the name tls checks give it, so that one assertion fits both types.
        if (sums.TryGetValue(PhaseNames.Tls, out var handshake))
        {
            result.Measure(TlsMeasurements.HandshakeMs, handshake.TotalMilliseconds);
        }

        if (outcome.Inspection is { } inspection)
        {
            foreach (var (name, value) in inspection.Measurements)
            {
                if (value.Number is { } number)
                {
                    result.Measure(name, number);
                }
                else if (value.Text is { } text)
                {
                    result.Measure(name, text);
                }
            }

            foreach (var sample in inspection.Samples)
            {
                result.Sample(sample.Metric, sample.Value, sample.Labels);
            }
        }
    }

    /// <summary>The response's Last-Modified date in any of the three forms RFC 9110 lets a recipient accept, as Go's http.ParseTime.</summary>
    private static DateTimeOffset? LastModified(HttpHop final)
    {
        string[] formats = ["r", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy"];
        var value = final.ResponseHeaders.FirstOrDefault(h => h.Key.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase)).Value;
        return value is not null && DateTimeOffset.TryParseExact(value.Trim(), formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowInnerWhite | DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : null;
    }
}
