using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Headers;

/// <summary>
/// <c>type: "headers"</c>: an HSTS, CORS and security-header audit of a URL, graded as a security reviewer would,
/// with findings that have stable ids, severities, the values seen as evidence, and hints. The target is fetched
/// exactly as an http check fetches it (<see cref="HttpExchange"/>: connection, TLS inspection, redirects, failure
/// categories, phases and measurements), then <see cref="HeaderAudit"/> judges the responses and sends the audit's
/// own requests through the same machinery.
/// </summary>
internal sealed class HeadersProbe : IProbe, IWarmUp
{
    public static ProbeType Type { get; } = new()
    {
        Name = "headers",
        Summary = "Audits HSTS, CORS and security headers of a URL (fetched as an http check), with findings graded info, warning or critical.",
        Probe = new HeadersProbe(),
        ReadSection = HeadersSection.Read,
        ValidateTarget = HttpSectionRules.ValidateTarget,
        Durations = HttpMeasurements.Durations,
        Measurements = [.. HttpMeasurements.All, .. AuditMeasurements.All],
        Metrics = [.. HttpExchange.Metrics, AuditMetrics.Findings],
    };

    public ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var section = check.SectionAs<HeadersSection>() ?? HeadersSection.Default;
        return HttpExchange.RunAsync(check, section.Http, context, section.Audit, cancellationToken);
    }

    // The measured exchange is an http check's, so warming its code paths is what counts.
    public ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken) =>
        HttpWarmUp.RunAsync(context.Time, run, cancellationToken);
}
