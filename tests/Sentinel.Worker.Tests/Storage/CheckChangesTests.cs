using Microsoft.Extensions.Time.Testing;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>The one "checks changed" signal: every follower reconciles at each change, and at its interval without one.</summary>
public sealed class CheckChangesTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FollowAsync_Notify_EveryFollowerReconciles()
    {
        var changes = new CheckChanges(new FakeTimeProvider());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        int scheduler = 0, view = 0;
        var followers = new[]
        {
            Follow(changes, () => Interlocked.Increment(ref scheduler), stop.Token),
            Follow(changes, () => Interlocked.Increment(ref view), stop.Token),
        };
        await Eventually.WaitAsync(() => Volatile.Read(ref scheduler) == 1 && Volatile.Read(ref view) == 1, Bound, "the first reconciliation of both");

        changes.Notify();

        await Eventually.WaitAsync(() => Volatile.Read(ref scheduler) == 2 && Volatile.Read(ref view) == 2, Bound, "both to reconcile after the change");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(followers));
    }

    [Fact]
    public async Task FollowAsync_NoSignal_ReconcilesAtTheInterval()
    {
        var time = new FakeTimeProvider();
        var changes = new CheckChanges(time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var count = 0;
        var follower = Follow(changes, () => Interlocked.Increment(ref count), stop.Token);
        await Eventually.WaitAsync(() => Volatile.Read(ref count) == 1, Bound, "the first reconciliation");

        time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.Equal(1, Volatile.Read(ref count));
        time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.WaitAsync(() => Volatile.Read(ref count) == 2, Bound, "a reconciliation at the interval");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follower);
    }

    [Fact]
    public async Task FollowAsync_ChangeWhileReconciling_ReconcilesAgain()
    {
        var changes = new CheckChanges(new FakeTimeProvider());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var follower = changes.FollowAsync(async _ =>
        {
            if (Interlocked.Increment(ref count) == 1)
            {
                reading.SetResult();
                await release.Task;
            }
        }, Interval, stop.Token);
        await reading.Task.WaitAsync(Bound, TestContext.Current.CancellationToken);

        // The first read may have missed this change: it must read again.
        changes.Notify();
        release.SetResult();

        await Eventually.WaitAsync(() => Volatile.Read(ref count) == 2, Bound, "a second reconciliation");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follower);
    }

    private static Task Follow(CheckChanges changes, Action reconciled, CancellationToken cancellationToken) =>
        changes.FollowAsync(_ =>
        {
            reconciled();
            return Task.CompletedTask;
        }, Interval, cancellationToken);
}
