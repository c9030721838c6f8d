using Sentinel.Probes;
using Sentinel.Worker.Metrics;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>
/// OpenTelemetry reserves every metric's series up front (about 94 bytes each): the reservation must follow the
/// fleet size and what the labels can take, not a blanket maximum that costs gigabytes.
/// </summary>
public sealed class MetricLimitsTests
{
    [Theory]
    [InlineData(1, 2_000, 2_100)]
    [InlineData(64, 2_000, 128_100)]
    [InlineData(1, 10, 2_000)]
    [InlineData(4, 10_000, 40_100)]
    public void Limit_IsChecksTimesSeriesPerCheck_NeverBelowTheDefault(int perCheck, int maxChecks, int expected) =>
        Assert.Equal(expected, MetricsServiceCollectionExtensions.Limit(perCheck, maxChecks));

    [Fact]
    public void SeriesPerCheck_EveryDeclaredMetric_IsBounded()
    {
        var all = ProbeCatalog.Default.Metrics.Select(m => (m.Name, m.SeriesPerCheck)).Concat(CheckMetrics.SeriesPerCheck.Select(p => (Name: p.Key, SeriesPerCheck: p.Value)));

        Assert.All(all, m => Assert.InRange(m.SeriesPerCheck, 1, 64));
        var total = all.Sum(m => (long)MetricsServiceCollectionExtensions.Limit(m.SeriesPerCheck, new MetricsOptions().MaxChecks));

        // At the default of 2,000 checks, well under a gigabyte of reserved points.
        Assert.InRange(total * 94, 0, 256L * 1024 * 1024);
    }
}
