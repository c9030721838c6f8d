namespace Sentinel.Probes.Audits;

/// <summary>The measurements a header audit adds to its check (headers, or http with an <c>audit</c>).</summary>
internal static class AuditMeasurements
{
    /// <summary>Findings of severity critical.</summary>
    public const string FindingsCritical = "audit.findings_critical";

    /// <summary>Findings of severity warning.</summary>
    public const string FindingsWarning = "audit.findings_warning";

    /// <summary>Findings of severity info.</summary>
    public const string FindingsInfo = "audit.findings_info";

    /// <summary>The valid HSTS policy's max-age, seconds; absent without one.</summary>
    public const string HstsMaxAge = "audit.hsts_max_age";

    /// <summary>Every measurement an audit adds, for assertions.</summary>
    public static IReadOnlyList<string> All { get; } = [FindingsCritical, FindingsWarning, FindingsInfo, HstsMaxAge];
}
