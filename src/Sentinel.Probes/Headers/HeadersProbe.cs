using Sentinel.Probes.Checks;
using Sentinel.Probes.Http;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Headers;

/// <summary>
/// <c>type: "headers"</c>: an HSTS, CORS and security-header audit of a URL, graded as a security reviewer would,
/// with findings that have stable ids, severities, the values seen as evidence, and hints. The target is fetched
/// exactly as an http check fetches it (the same probe runs it: connection, TLS inspection, redirects, failure
/// categories, phases and measurements), then <see cref="HeaderAudit"/> judges the responses and sends the
/// audit's own requests through the same machinery.
/// </summary>
internal sealed class HeadersProbe : IProbe, IWarmUp
{
    private static readonly IProbe Http = HttpProbe.Type.Probe;

    public static ProbeType Type { get; } = new()
    {
        Name = "headers",
        Summary = "Audits HSTS, CORS and security headers of a URL (fetched as an http check), with findings graded info, warning or critical.",
        Probe = new HeadersProbe(),
        ReadSection = HeadersSection.Read,
        ValidateTarget = HttpSectionRules.ValidateTarget,
        Measurements = HttpProbe.Type.Measurements,
        Metrics = HttpProbe.Type.Metrics,
    };

    public ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken) =>
        Http.RunAsync(check with { Section = (check.SectionAs<HeadersSection>() ?? HeadersSection.Default).Http }, context, cancellationToken);

    // The measured exchange is the http probe's, so warming its code paths is what counts.
    public ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken) =>
        ((IWarmUp)Http).WarmUpAsync(context, run, cancellationToken);
}
