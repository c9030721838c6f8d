using Sentinel.Probes.Protocols.Icmp;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Icmp;

/// <summary>The round-trip figures of mtr's report and ping's summary, on series worked out by hand.</summary>
public sealed class RttStatsTests
{
    [Fact]
    public void Add_FourTimes_GivesLastBestAverageAndWorst()
    {
        var stats = Of(3, 1, 4, 2);

        Assert.Equal(4, stats.Count);
        Assert.Equal(Ms(2), stats.Last);
        Assert.Equal(Ms(1), stats.Best);
        Assert.Equal(Ms(4), stats.Worst);
        Assert.Equal(2.5, stats.Average.TotalMilliseconds, 4);
    }

    [Fact]
    public void StdDev_FourTimes_SampleDividesByNMinusOneAndPopulationByN()
    {
        // Deviations from 2.5: ±0.5, ±1.5; squares sum to 5. mtr: √(5/3) = 1.290994; ping's mdev: √(5/4) = 1.118034.
        var stats = Of(3, 1, 4, 2);

        Assert.Equal(1.290994, stats.SampleStdDev.TotalMilliseconds, tolerance: 0.0002);
        Assert.Equal(1.118034, stats.PopulationStdDev.TotalMilliseconds, tolerance: 0.0002);
    }

    [Fact]
    public void StdDev_TwoTimes_IsHalfTheirDistanceForPingAndItOverRootTwoForMtr()
    {
        var stats = Of(10, 13);

        Assert.Equal(1.5, stats.PopulationStdDev.TotalMilliseconds, tolerance: 0.0002);
        Assert.Equal(3 / Math.Sqrt(2), stats.SampleStdDev.TotalMilliseconds, tolerance: 0.0002);
    }

    [Fact]
    public void StdDev_OneTime_IsZeroInBothForms()
    {
        var stats = Of(7);

        Assert.Equal((Ms(7), Ms(7), Ms(7), Ms(7)), (stats.Last, stats.Best, stats.Worst, stats.Average));
        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (stats.SampleStdDev, stats.PopulationStdDev));
    }

    [Fact]
    public void StdDev_LongSeriesFarFromZero_StaysExact()
    {
        // Welford's update keeps the deviation of large times with a small spread, where summing squares would lose it.
        var stats = new RttStats();
        for (var i = 0; i < 10_000; i++)
        {
            stats.Add(TimeSpan.FromMilliseconds(100_000 + (i % 2)));
        }

        Assert.Equal(0.5, stats.PopulationStdDev.TotalMilliseconds, tolerance: 0.0002);
        Assert.Equal(100_000.5, stats.Average.TotalMilliseconds, 4);
    }

    private static RttStats Of(params double[] milliseconds)
    {
        var stats = new RttStats();
        foreach (var ms in milliseconds)
        {
            stats.Add(Ms(ms));
        }

        return stats;
    }

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);
}
