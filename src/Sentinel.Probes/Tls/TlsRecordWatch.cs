using Sentinel.Probes.Protocols;

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
internal sealed class TlsRecordWatch(Stream inner) : PassThroughStream(inner)
{
    private const int HeaderLength = 5;

    private readonly byte[] _header = new byte[HeaderLength];
    private int _headerFilled;
    private int _bodyLeft;
    private long _records;
    private long _recordsWhenWatched = -1;
    private Action? _onConsumed;

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

    /// <summary>Calls back before a read that follows at least one new whole record (see <see cref="Watch"/>).</summary>
    protected override void BeforeRead()
    {
        if (_recordsWhenWatched >= 0 && _records > _recordsWhenWatched && _headerFilled == 0 && _bodyLeft == 0
            && Interlocked.Exchange(ref _onConsumed, null) is { } consumed)
        {
            consumed();
        }
    }

    /// <summary>Advances over the bytes read, counting the records they complete.</summary>
    protected override void OnRead(ReadOnlySpan<byte> read)
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
