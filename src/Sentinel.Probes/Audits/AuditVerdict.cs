using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Audits;

/// <summary>The series of a header audit.</summary>
internal static class AuditMetrics
{
    /// <summary>
    /// One series per finding id present, valued with how many findings of that id the run had (one per origin, per
    /// preflight), labelled with the highest severity among them. Bounded by the fixed id list.
    /// </summary>
    public static readonly MetricDescriptor Findings = new(
        "sentinel_audit_findings", "Findings of the check's last header audit: how many of each id, with its severity (info, warning, critical).", null, "id", "severity")
    {
        SeriesPerCheck = AuditIds.All.Count,
    };
}

/// <summary>
/// Turns an audit's findings into the result: the findings themselves, a failure (<c>audit_finding</c>) when one is at
/// or above the check's failOn severity, a warning (degraded) when one below it is a warning, the counts as
/// measurements, and <c>sentinel_audit_findings</c>.
/// </summary>
internal static class AuditVerdict
{
    public static void Apply(ProbeResultBuilder result, AuditSettings settings, IReadOnlyList<Finding> findings, HstsPosture? hsts)
    {
        foreach (var finding in findings)
        {
            result.Finding(finding);
        }

        var failing = findings.Where(f => f.Severity >= settings.FailOn).ToList();
        if (failing.Count > 0)
        {
            result.Fail(Layers.Audit, FailureCategories.AuditFinding,
                $"{Count(failing.Count)} at or above {Name(settings.FailOn)}: {Ids(failing)}",
                failing.Count == 1 ? failing[0].Hint : "each finding above names the header value seen and what to change");
        }
        else if (findings.Where(f => f.Severity == FindingSeverity.Warning).ToList() is { Count: > 0 } warnings)
        {
            result.Warn(Layers.Audit, FailureCategories.AuditFinding,
                $"{Count(warnings.Count)} of severity warning (below failOn {Name(settings.FailOn)}): {Ids(warnings)}",
                warnings.Count == 1 ? warnings[0].Hint : "each finding above names the header value seen and what to change");
        }

        result.Measure(AuditMeasurements.FindingsCritical, findings.Count(f => f.Severity == FindingSeverity.Critical));
        result.Measure(AuditMeasurements.FindingsWarning, findings.Count(f => f.Severity == FindingSeverity.Warning));
        result.Measure(AuditMeasurements.FindingsInfo, findings.Count(f => f.Severity == FindingSeverity.Info));
        if (hsts is { Valid: true, MaxAge: { } maxAge })
        {
            result.Measure(AuditMeasurements.HstsMaxAge, maxAge);
        }

        foreach (var group in findings.GroupBy(f => f.Id))
        {
            result.Sample(AuditMetrics.Findings, group.Count(), group.Key, Name(group.Max(f => f.Severity)));
        }
    }

    public static string Name(FindingSeverity severity) => severity.ToString().ToLowerInvariant();

    private static string Count(int n) => n == 1 ? "1 finding" : $"{n} findings";

    private static string Ids(IEnumerable<Finding> findings) =>
        string.Join(", ", findings.GroupBy(f => f.Id).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ×{g.Count()}"));
}
