using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Protocols.Icmp;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Icmp;

/// <summary>The absolute send schedule of icmp and path runs, on a fake clock.</summary>
public sealed class EchoScheduleTests
{
    [Fact]
    public async Task WaitUntilAsync_AfterSendsThatTookTime_IsDueAtTheOffsetFromTheStart()
    {
        var time = new FakeTimeProvider();
        var schedule = new EchoSchedule(time);

        // The first round's sends took 4 ms; the second round is still due 10 ms after the start, not 10 ms after them.
        time.Advance(TimeSpan.FromMilliseconds(4));
        var second = schedule.WaitUntilAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        await second.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WaitUntilAsync_LateRound_DoesNotDelayTheNext()
    {
        var time = new FakeTimeProvider();
        var schedule = new EchoSchedule(time);

        // Round 1 went out 7 ms late (at 17 ms); round 2 is due at 20 ms all the same.
        time.Advance(TimeSpan.FromMilliseconds(17));
        Assert.True(schedule.WaitUntilAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None).IsCompletedSuccessfully);
        var third = schedule.WaitUntilAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(3));

        await third.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WaitUntilAsync_LessThanAMillisecondAhead_WaitsUntilThen()
    {
        // The real clock: the system's timers count whole milliseconds, and a wait of 0.9 ms cut to none ended at once.
        var schedule = new EchoSchedule(TimeProvider.System);
        var offset = TimeSpan.FromMilliseconds(0.9);

        for (var round = 1; round <= 20; round++)
        {
            await schedule.WaitUntilAsync(offset, TestContext.Current.CancellationToken);
            Assert.True(schedule.Elapsed >= offset, $"round {round}: done {schedule.Elapsed.TotalMilliseconds} ms after the start, due at {offset.TotalMilliseconds} ms");
            offset = schedule.Elapsed + TimeSpan.FromMilliseconds(0.9);
        }
    }

    [Fact]
    public async Task WaitUntilAsync_Cancelled_Throws()
    {
        var schedule = new EchoSchedule(new FakeTimeProvider());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => schedule.WaitUntilAsync(TimeSpan.Zero, new CancellationToken(canceled: true)));
    }
}
