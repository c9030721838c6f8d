using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Metrics;

/// <summary>The /metrics export (section <c>Sentinel:Metrics</c>).</summary>
internal sealed class MetricsOptions
{
    public const string Section = "Sentinel:Metrics";

    /// <summary>
    /// The most checks whose series /metrics exports, in id order; the series of checks beyond it are left out (and
    /// a warning is logged). It bounds the size of a scrape (about 3 KB per check, uncompressed), not memory:
    /// nothing is reserved per check. Default 100,000; 1 to 1,000,000.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Sentinel:Metrics:MaxChecks must be from 1 to 1000000")]
    public int MaxChecks { get; set; } = 100_000;
}
