namespace Sentinel.Probes.Probing;

/// <summary>
/// A per-check Prometheus series a probe exports: its final name (blackbox_exporter's where the concept
/// matches, else <c>sentinel_</c>), help text, base unit, and the extra labels its samples carry beyond
/// <c>check</c>, <c>type</c> and <c>target</c>. Extra labels must have a bounded set of values.
/// </summary>
/// <param name="Name">The Prometheus metric name, e.g. <c>probe_http_status_code</c>.</param>
/// <param name="Help">The HELP text.</param>
/// <param name="Unit">The base unit (<c>s</c>, <c>By</c>) or null for none.</param>
/// <param name="LabelNames">The extra label names of its samples.</param>
public sealed record MetricDescriptor(string Name, string Help, string? Unit = null, params IReadOnlyList<string> LabelNames)
{
    /// <summary>
    /// The most series one check can have in this metric (one per value of its extra labels): what keeps a
    /// fleet's <c>/metrics</c> bounded, held to at most 64 by a test. Default: 1 without extra labels, 16 with.
    /// </summary>
    public int SeriesPerCheck { get; init; } = LabelNames.Count == 0 ? 1 : 16;
}

/// <summary>One value of a probe-declared series for the latest result of a check.</summary>
/// <param name="Metric">Which series.</param>
/// <param name="Value">The value in the series' base unit.</param>
/// <param name="Labels">Values for the descriptor's extra labels, in the descriptor's order.</param>
public readonly record struct MetricSample(MetricDescriptor Metric, double Value, IReadOnlyList<string> Labels);
