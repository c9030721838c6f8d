using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Http;

/// <summary>
/// <c>type: "http"</c>: one HTTP(S) exchange timed per phase, with its status, headers, body and certificate checked
/// (<see cref="HttpExchange"/>), followed by a header audit (<see cref="HeaderAudit"/>) when the section has an
/// <c>audit</c> object.
/// </summary>
internal sealed class HttpProbe : IProbe, IWarmUp
{
    public static ProbeType Type { get; } = new()
    {
        Name = "http",
        Summary = "Sends an HTTP(S) request; times resolve, connect, tls, processing and transfer; checks status, headers, body and certificate.",
        Probe = new HttpProbe(),
        ReadSection = reader => HttpSection.Read(reader, AuditSettings.Read),
        ValidateTarget = HttpSectionRules.ValidateTarget,
        Durations = HttpMeasurements.Durations,
        Measurements = [.. HttpMeasurements.All, .. AuditMeasurements.All],
        Metrics = [.. HttpExchange.Metrics, AuditMetrics.Findings],
    };

    public ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var section = check.SectionAs<HttpSection>() ?? HttpSection.Default;
        return HttpExchange.RunAsync(check, section, context, section.Audit, cancellationToken);
    }

    public ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken) =>
        HttpWarmUp.RunAsync(context.Time, run, cancellationToken);
}
