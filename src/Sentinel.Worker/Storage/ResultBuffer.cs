using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The bounded in-memory buffer between publishing and the writer (<see cref="ResultWriter"/>), which drains it into
/// PostgreSQL or the spill file. Adding never waits: probing must not stop because storage does. When the buffer is
/// full — the writer cannot even spill as fast as results come — its oldest result is dropped and counted
/// (<see cref="Dropped"/>), so the freshest results survive, as a full spill file drops its oldest segment.
/// </summary>
internal sealed class ResultBuffer
{
    private readonly Channel<ResultRow> _channel;
    private long _dropped;

    public ResultBuffer(IOptions<ResultOptions> options)
    {
        Capacity = options.Value.QueueCapacity;
        _channel = Channel.CreateBounded<ResultRow>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public int Capacity { get; }

    /// <summary>Results waiting for the writer.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>Results dropped because the buffer was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds a row; when the buffer is full the oldest row makes room. Never waits.</summary>
    public void Add(ResultRow row) => _channel.Writer.TryWrite(row);

    /// <summary>Waits until a row is there; false once the buffer is completed and empty.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Moves up to <paramref name="max"/> rows into <paramref name="batch"/>, oldest first.</summary>
    public void TakeInto(List<ResultRow> batch, int max)
    {
        while (batch.Count < max && _channel.Reader.TryRead(out var row))
        {
            batch.Add(row);
        }
    }
}
