using System.Globalization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Audits;

/// <summary>
/// Collects the findings of one audit, applying the check's per-id severity overrides (or dropping an id turned
/// off). Every finding carries its evidence.
/// </summary>
internal sealed class AuditFindings(AuditSettings settings)
{
    private readonly List<Finding> _findings = [];

    public IReadOnlyList<Finding> All => _findings;

    /// <summary>Records a finding of <paramref name="id"/> with its default severity, or <paramref name="severity"/>.</summary>
    public void Add(string id, string message, string hint, IReadOnlyList<KeyValuePair<string, string>> evidence, FindingSeverity? severity = null)
    {
        if (settings.SeverityOf(id, severity ?? AuditIds.Get(id).Severity) is { } effective)
        {
            _findings.Add(new Finding(id, effective, message, hint, evidence));
        }
    }

    /// <summary>Whether a finding of <paramref name="id"/> was recorded (and not turned off).</summary>
    public bool Has(string id) => _findings.Exists(f => f.Id == id);

    /// <summary>Seconds with their size in days or hours, for messages: <c>86400 s (1 day)</c>.</summary>
    public static string Seconds(long seconds) => seconds switch
    {
        >= 86400 => string.Create(CultureInfo.InvariantCulture, $"{seconds} s ({seconds / 86400.0:0.#} day{(seconds == 86400 ? "" : "s")})"),
        >= 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds} s ({seconds / 3600.0:0.#} h)"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds} s"),
    };
}
