using Sentinel.Worker.Scheduling;
using Xunit;

namespace Sentinel.Worker.Tests.Scheduling;

public sealed class FireTimesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 7, 123, TimeSpan.Zero);

    [Fact]
    public void First_IsWithinOneIntervalAndAtTheCheckOffset()
    {
        var interval = TimeSpan.FromSeconds(60);

        var first = FireTimes.First("payments-api", interval, Now);

        Assert.InRange(first, Now, Now + interval - TimeSpan.FromTicks(1));
        var sinceEpoch = first - DateTimeOffset.UnixEpoch;
        Assert.Equal(FireTimes.Offset("payments-api", interval).Ticks, sinceEpoch.Ticks % interval.Ticks);
    }

    [Fact]
    public void First_IsTheSameOnEveryNodeAndAfterRestarts()
    {
        var interval = TimeSpan.FromSeconds(30);

        var a = FireTimes.First("db", interval, Now);
        var b = FireTimes.First("db", interval, Now + TimeSpan.FromSeconds(5));

        Assert.True(a == b || b - a == interval);
        Assert.Equal(FireTimes.Offset("db", interval), FireTimes.Offset("db", interval));
    }

    [Fact]
    public void Offsets_TenThousandChecks_SpreadOverTheInterval()
    {
        var interval = TimeSpan.FromSeconds(60);
        var perSecond = new int[60];
        for (var i = 0; i < 10_000; i++)
        {
            perSecond[(int)FireTimes.Offset($"check-{i}", interval).TotalSeconds]++;
        }

        // A uniform spread puts about 167 checks in each second; a hash that clumps would not stay near that.
        Assert.All(perSecond, count => Assert.InRange(count, 100, 240));
    }
}
