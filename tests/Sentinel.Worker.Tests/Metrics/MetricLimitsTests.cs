using Sentinel.Probes;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>A fleet's /metrics grows with the checks, never with time: each probe-declared metric has few series per check.</summary>
public sealed class MetricLimitsTests
{
    [Fact]
    public void SeriesPerCheck_EveryDeclaredMetric_IsBounded() =>
        Assert.All(ProbeCatalog.Default.Metrics, m => Assert.InRange(m.SeriesPerCheck, 1, 64));
}
