namespace Sentinel.Probes.Tls;

/// <summary>
/// Passes reads and writes through, keeping a copy of the first bytes the peer sent, so that a failed handshake
/// can say what the peer answered when it was not TLS ("SSH-2.0-…", "HTTP/1.1 400 …", an SMTP banner).
/// </summary>
internal sealed class FirstBytesStream(Stream inner) : Stream
{
    /// <summary>How many of the first bytes are kept.</summary>
    public const int Capacity = 64;

    private readonly byte[] _first = new byte[Capacity];
    private int _count;

    /// <summary>The first bytes read from the peer (at most <see cref="Capacity"/>).</summary>
    public ReadOnlySpan<byte> First => _first.AsSpan(0, _count);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Keep(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Keep(buffer.AsSpan(offset, read));
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Keep(ReadOnlySpan<byte> read)
    {
        var take = Math.Min(read.Length, Capacity - _count);
        read[..take].CopyTo(_first.AsSpan(_count));
        _count += take;
    }
}
