using System.Threading.Channels;

namespace Sentinel.Worker.Scheduling;

/// <summary>A signal that the checks in the database changed, so the schedule should be reconciled now.</summary>
internal sealed class CheckChanges
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _signal.Writer.TryWrite(true);

    /// <summary>Waits for a signal; returns false when <paramref name="cancellationToken"/> fired first.</summary>
    public async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _signal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
