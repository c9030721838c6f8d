using Microsoft.Extensions.Time.Testing;
using Sentinel.Testing;
using Sentinel.Worker.Resilience;
using Xunit;

namespace Sentinel.Worker.Tests.Resilience;

/// <summary>The one retry policy, driven by a fake clock: waits grow, stop at 30 s, and only transient failures wait.</summary>
public sealed class BackoffTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Create_TransientFailures_WaitLongerEachTimeAndNeverMoreThanThirtySeconds()
    {
        var time = new FakeTimeProvider();
        var delays = new List<TimeSpan>();
        var attempts = new List<DateTimeOffset>();
        var pipeline = Backoff.Create(time, ex => ex is TimeoutException, (_, delay) => delays.Add(delay), randomizer: () => 0.5);

        var run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return attempts.Count <= 12 ? throw new TimeoutException("the peer is away") : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilAsync(time, run);

        await run;
        Assert.Equal(13, attempts.Count);
        Assert.Equal(12, delays.Count);
        Assert.InRange(delays[0], TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5));
        var growing = delays.TakeWhile(d => d < Backoff.MaxDelay).ToList();
        Assert.True(growing.Count >= 5, string.Join(", ", delays));
        Assert.All(growing.Zip(growing.Skip(1)), pair => Assert.True(pair.Second > pair.First, string.Join(", ", delays)));
        Assert.All(delays.Skip(growing.Count), d => Assert.Equal(Backoff.MaxDelay, d));

        // The waits ran on the given clock: no attempt came before its wait was over.
        for (var i = 1; i < attempts.Count; i++)
        {
            Assert.True(attempts[i] - attempts[i - 1] >= delays[i - 1], $"attempt {i} came {attempts[i] - attempts[i - 1]} after the last, before its wait of {delays[i - 1]}");
        }
    }

    [Fact]
    public async Task Create_ManyFailuresWithRealJitter_NoWaitIsLongerThanThirtySeconds()
    {
        var time = new FakeTimeProvider();
        var delays = new List<TimeSpan>();
        var pipeline = Backoff.Create(time, ex => ex is TimeoutException, (_, delay) => delays.Add(delay));

        var run = pipeline.ExecuteAsync(_ => delays.Count < 40 ? throw new TimeoutException("away") : ValueTask.CompletedTask, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilAsync(time, run);

        await run;
        Assert.Equal(40, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, Backoff.MaxDelay));
    }

    [Fact]
    public async Task Create_FailureThatIsNotTransient_IsThrownAtOnceWithoutWaiting()
    {
        var time = new FakeTimeProvider();
        var delays = new List<TimeSpan>();
        var calls = 0;
        var pipeline = Backoff.Create(time, ex => ex is TimeoutException, (_, delay) => delays.Add(delay));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync(
            _ => ++calls > 0 ? throw new InvalidOperationException("a bug, not the peer") : ValueTask.CompletedTask,
            TestContext.Current.CancellationToken));

        Assert.Equal("a bug, not the peer", ex.Message);
        Assert.Equal(1, calls);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task Create_CallerCancelledWhileWaiting_StopsRetrying()
    {
        var time = new FakeTimeProvider();
        using var stopping = new CancellationTokenSource();
        var calls = 0;
        var pipeline = Backoff.Create(time, ex => ex is TimeoutException, (_, _) => stopping.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync(
            _ => ++calls > 0 ? throw new TimeoutException("away") : ValueTask.CompletedTask, stopping.Token));

        Assert.Equal(1, calls);
    }

    /// <summary>Moves the fake clock on, a longest wait at a time, until <paramref name="run"/> is done.</summary>
    private static Task AdvanceUntilAsync(FakeTimeProvider time, Task run) => Eventually.WaitAsync(() =>
    {
        if (!run.IsCompleted)
        {
            time.Advance(Backoff.MaxDelay);
        }

        return run.IsCompleted;
    }, Bound, "the retries to end");
}
