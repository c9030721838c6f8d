namespace Sentinel.Probes.Icmp;

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

    /// <summary>Waits until <paramref name="offset"/> after the schedule was made; completes at once when that has passed.</summary>
    public Task WaitUntilAsync(TimeSpan offset, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var wait = offset - time.GetElapsedTime(_start);
        return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
    }
}
