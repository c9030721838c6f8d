namespace Sentinel.Probes.Protocols;

/// <summary>
/// A stream over another that passes everything through — reads and writes, synchronous and asynchronous, flushes,
/// disposal, capabilities — and lets a subclass say only what it watches: the moment before each read, the bytes each
/// read returned, the bytes of each write before they go, the moment each write and each flush completed. The hooks
/// run where the inner call starts or returns, so a timestamp taken in one is the moment of that I/O. Not seekable: a
/// watcher follows the bytes in order. A wrapper that changes what reads return (a replayed prefix, a decoder chosen
/// by the first bytes) overrides <see cref="Read(Span{byte})"/> and <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>
/// and inherits the rest.
/// </summary>
/// <param name="inner">The stream passed through to; disposed with this one.</param>
internal abstract class PassThroughStream(Stream inner) : Stream
{
    /// <summary>The stream passed through to.</summary>
    protected Stream Inner { get; } = inner;

    public override bool CanRead => Inner.CanRead;

    public override bool CanWrite => Inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        BeforeRead();
        var read = Inner.Read(buffer);
        OnRead(buffer[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BeforeRead();
        var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        OnRead(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        OnWriting(buffer);
        Inner.Write(buffer);
        OnWritten();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        OnWriting(buffer.Span);
        await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        OnWritten();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        Inner.Flush();
        OnFlushed();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await Inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        OnFlushed();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await Inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Called before each read of the inner stream.</summary>
    protected virtual void BeforeRead()
    {
    }

    /// <summary>Called with the bytes each read of the inner stream returned (empty at the end of the stream).</summary>
    protected virtual void OnRead(ReadOnlySpan<byte> read)
    {
    }

    /// <summary>Called with the bytes of each write before they are written to the inner stream.</summary>
    protected virtual void OnWriting(ReadOnlySpan<byte> data)
    {
    }

    /// <summary>Called when a write to the inner stream completed.</summary>
    protected virtual void OnWritten()
    {
    }

    /// <summary>Called when a flush of the inner stream completed.</summary>
    protected virtual void OnFlushed()
    {
    }
}
