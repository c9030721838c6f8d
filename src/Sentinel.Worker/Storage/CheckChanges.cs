namespace Sentinel.Worker.Storage;

/// <summary>
/// The one signal that the checks table (<see cref="CheckStore"/>) changed. Whatever writes the table says so here
/// (the file sync; the API), and everything that follows the checks (the scheduler, the metrics view) runs its
/// reconciliation through <see cref="FollowAsync"/>. A change made on another node is one more source of the same
/// signal, not a second signal: a LISTEN on the database that calls <see cref="Notify"/> reaches every follower.
/// </summary>
/// <remarks>
/// Signals coalesce: a follower that is busy when several changes come reconciles once more, since it reads the
/// whole table each time. A follower also reconciles at a fixed interval without any signal, the safety net for a
/// change nobody signalled (a hand-edited table, a lost notification).
/// </remarks>
internal sealed class CheckChanges(TimeProvider time)
{
    private TaskCompletionSource _next = NewSignal();

    /// <summary>Says that the checks table changed: every follower reconciles as soon as it can.</summary>
    public void Notify() => Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();

    /// <summary>
    /// Runs <paramref name="reconcile"/> now, then after every <see cref="Notify"/> and at least every
    /// <paramref name="interval"/>, until <paramref name="cancellationToken"/> fires (then throws
    /// <see cref="OperationCanceledException"/>). A change signalled while <paramref name="reconcile"/> runs makes it
    /// run again, since it may have read the table before the change. <paramref name="reconcile"/> handles its own
    /// failures; what it throws ends the loop.
    /// </summary>
    public async Task FollowAsync(Func<CancellationToken, Task> reconcile, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before reading, so that a change during the read is not missed.
            var changed = Volatile.Read(ref _next).Task;
            await reconcile(cancellationToken).ConfigureAwait(false);
            try
            {
                await changed.WaitAsync(interval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The safety net: reconcile anyway.
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
