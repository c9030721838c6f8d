using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Metrics;

/// <summary>The /metrics export (section <c>Sentinel:Metrics</c>).</summary>
internal sealed class MetricsOptions
{
    public const string Section = "Sentinel:Metrics";

    /// <summary>
    /// The most checks whose series /metrics exports; series of checks beyond it are dropped (and a warning is
    /// logged). Memory grows with it, by roughly 10 KB per check. Default 2,000; 1 to 1,000,000.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Sentinel:Metrics:MaxChecks must be from 1 to 1000000")]
    public int MaxChecks { get; set; } = 2_000;
}
