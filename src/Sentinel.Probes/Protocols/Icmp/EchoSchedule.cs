namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>
/// The send times of one run on an absolute schedule, read from the <see cref="TimeProvider"/>: a send due
/// at offset t from the start goes out at start + t, however long earlier sends took. Waiting a fixed
/// interval after each round instead adds every round's own sending time and every timer's lateness to all
/// later rounds: 500 cycles 10 ms apart took 6 s instead of 5, past a timeout worked out from the nominal
/// length. Here a late timer delays one send, never the ones after it.
/// </summary>
internal sealed class EchoSchedule(TimeProvider time)
{
    private readonly long _start = time.GetTimestamp();

    /// <summary>The time since the schedule was made.</summary>
    public TimeSpan Elapsed => time.GetElapsedTime(_start);

    /// <summary>
    /// Waits until <paramref name="offset"/> after the schedule was made, and never less; completes at once when that
    /// has passed.
    /// </summary>
    /// <remarks>
    /// The system's timers count whole milliseconds: a wait of 0.9 ms is cut to none, and a wait of 1 ms ends at the
    /// next tick of a millisecond clock, which may come at once. So each wait is rounded up to whole milliseconds and
    /// waited again until the offset has passed: sends due 1 ms apart (the walk of a path run 10 ms apart) do not go
    /// out back to back.
    /// </remarks>
    public Task WaitUntilAsync(TimeSpan offset, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return offset > Elapsed ? WaitAsync(offset, cancellationToken) : Task.CompletedTask;
    }

    private async Task WaitAsync(TimeSpan offset, CancellationToken cancellationToken)
    {
        for (var wait = offset - Elapsed; wait > TimeSpan.Zero; wait = offset - Elapsed)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), time, cancellationToken).ConfigureAwait(false);
        }
    }
}
