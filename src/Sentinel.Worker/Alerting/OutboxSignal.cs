namespace Sentinel.Worker.Alerting;

/// <summary>
/// "Notifications were queued": wakes the senders at once instead of at their next poll. Every waiter wakes; a signal
/// with nobody waiting is not kept, since waiters look at the outbox before they wait.
/// </summary>
internal sealed class OutboxSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Wakes every waiter.</summary>
    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
