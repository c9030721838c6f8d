namespace Sentinel.Probes.Tls;

/// <summary>
/// Sits under SslStream and passes reads and writes through, following the TLS record headers of what the peer
/// sends (RFC 8446, 5.1: type, version, 16-bit length). Once <see cref="Watch"/> was called it calls back when
/// SslStream, holding only whole records, asks for more bytes after at least one new record came: every record
/// the peer sent since was processed, and none was an alert (a fatal alert makes SslStream throw instead of
/// reading on). After a TLS 1.3 handshake that is how a server's acceptance of the client's certificate shows:
/// it sends its NewSessionTicket messages once it has checked the client's flight, and SslStream consumes them
/// without returning anything to its caller.
/// </summary>
internal sealed class TlsRecordWatch(Stream inner) : Stream
{
    private const int HeaderLength = 5;

    private readonly byte[] _header = new byte[HeaderLength];
    private int _headerFilled;
    private int _bodyLeft;
    private long _records;
    private long _recordsWhenWatched = -1;
    private Action? _onConsumed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// From now on, calls <paramref name="onConsumed"/> (once, on the reading thread, before the read it precedes)
    /// when SslStream has consumed at least one new record. Records SslStream read ahead before this call do not
    /// count: the caller then waits for its own bound instead.
    /// </summary>
    public void Watch(Action onConsumed)
    {
        _onConsumed = onConsumed;
        _recordsWhenWatched = _records;
    }

    /// <summary>Stops calling back (the caller's wait is over; its callback may refer to what it disposes).</summary>
    public void StopWatching() => Interlocked.Exchange(ref _onConsumed, null);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_recordsWhenWatched >= 0 && _records > _recordsWhenWatched && _headerFilled == 0 && _bodyLeft == 0
            && Interlocked.Exchange(ref _onConsumed, null) is { } consumed)
        {
            consumed();
        }

        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Follow(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Follow(buffer.AsSpan(offset, read));
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

    /// <summary>Advances over the bytes read, counting the records they complete.</summary>
    private void Follow(ReadOnlySpan<byte> read)
    {
        while (!read.IsEmpty)
        {
            if (_bodyLeft > 0)
            {
                var take = Math.Min(_bodyLeft, read.Length);
                _bodyLeft -= take;
                read = read[take..];
                if (_bodyLeft == 0)
                {
                    _records++;
                }

                continue;
            }

            _header[_headerFilled++] = read[0];
            read = read[1..];
            if (_headerFilled == HeaderLength)
            {
                _headerFilled = 0;
                _bodyLeft = (_header[3] << 8) | _header[4];
                if (_bodyLeft == 0)
                {
                    _records++;
                }
            }
        }
    }
}
