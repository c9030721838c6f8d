using System.Buffers.Binary;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// Wraps the plaintext stream SocketsHttpHandler reads and writes (given to it by its PlaintextStreamFilter, so
/// above TLS) and tells the hop being timed when the request went out and when the response's first byte came
/// back, as blackbox_exporter's httptrace WroteRequest and GotFirstResponseByte do. HTTP itself stays .NET's.
/// </summary>
/// <remarks>
/// HTTP/1.1: the request is sent when the last write before the response completes; the first byte is the first
/// read that returns data (the server speaks only after the request). HTTP/2 interleaves control frames
/// (SETTINGS, WINDOW_UPDATE, PING) with the exchange, so frames are followed in both directions (RFC 9113, 4.1):
/// the request is sent with the frame that carries END_STREAM, and the response starts with the first HEADERS
/// frame of a request stream.
/// </remarks>
internal sealed class TimingStream(Stream inner, HttpConnector connector, TimeProvider time, bool http2) : PassThroughStream(inner)
{
    // RFC 9113, 3.4: the client connection preface precedes the client's first frame.
    private readonly Http2FrameScanner? _writes = http2 ? new Http2FrameScanner(prefaceBytes: 24) : null;
    private readonly Http2FrameScanner? _reads = http2 ? new Http2FrameScanner(prefaceBytes: 0) : null;

    // Whether the write under way ends the request. The HTTP stack writes a connection from one writer at a time.
    private bool _writeCompletesRequest;

    protected override void OnRead(ReadOnlySpan<byte> read)
    {
        if (read.IsEmpty)
        {
            return;
        }

        var now = time.GetTimestamp();
        var responseStarts = _reads is null || _reads.Scan(read, static (type, flags, stream) => type == Http2FrameScanner.Headers && stream != 0);
        connector.Hop?.OnBytesRead(now, responseStarts);

        if (_reads?.TakeGoAway() is { } goAway)
        {
            connector.Hop?.OnGoAway(goAway);
        }
    }

    // Scan before writing: the frames are known before they leave; the time taken is when the write completes.
    protected override void OnWriting(ReadOnlySpan<byte> data) =>
        _writeCompletesRequest = _writes is null || _writes.Scan(data,
            static (type, flags, stream) => type is Http2FrameScanner.Headers or Http2FrameScanner.Data && stream != 0 && (flags & Http2FrameScanner.EndStream) != 0);

    protected override void OnWritten()
    {
        if (_writeCompletesRequest)
        {
            connector.Hop?.OnRequestBytesSent(time.GetTimestamp());
        }
    }

    protected override void OnFlushed()
    {
        if (_writes is null)
        {
            connector.Hop?.OnRequestBytesSent(time.GetTimestamp());
        }
    }
}

/// <summary>
/// Follows HTTP/2 frame boundaries (RFC 9113, 4.1: a 9-byte header of length, type, flags and stream id) across
/// the arbitrary chunks a stream delivers, and reports whether a chunk started a frame of interest. It also keeps
/// the error code of a GOAWAY frame (RFC 9113, 6.8), which says why the peer closed the connection even when the
/// HTTP stack, racing the close, reports only that the connection could not be used.
/// </summary>
internal sealed class Http2FrameScanner(int prefaceBytes)
{
    public const byte Data = 0x0;
    public const byte Headers = 0x1;
    public const byte GoAway = 0x7;
    public const byte EndStream = 0x1;

    private readonly byte[] _header = new byte[9];
    private readonly byte[] _goAway = new byte[8];
    private int _headerFill;
    private long _skip = prefaceBytes;
    private int _goAwayFill = -1;
    private uint? _goAwayCode;

    /// <summary>The error code of a GOAWAY frame read completely since the last call, if any.</summary>
    public uint? TakeGoAway()
    {
        var code = _goAwayCode;
        _goAwayCode = null;
        return code;
    }

    /// <summary>Advances over <paramref name="chunk"/>; true when a frame header in it satisfied <paramref name="interesting"/>.</summary>
    public bool Scan(ReadOnlySpan<byte> chunk, Func<byte, byte, uint, bool> interesting)
    {
        var found = false;
        while (chunk.Length > 0)
        {
            if (_skip > 0)
            {
                var n = (int)Math.Min(_skip, chunk.Length);
                if (_goAwayFill >= 0)
                {
                    // GOAWAY payload: last stream id (4 bytes), then the error code (4 bytes), then debug data.
                    var keep = Math.Min(n, _goAway.Length - _goAwayFill);
                    chunk[..keep].CopyTo(_goAway.AsSpan(_goAwayFill));
                    _goAwayFill += keep;
                    if (_goAwayFill == _goAway.Length)
                    {
                        _goAwayCode = BinaryPrimitives.ReadUInt32BigEndian(_goAway.AsSpan(4));
                        _goAwayFill = -1;
                    }
                }

                _skip -= n;
                chunk = chunk[n..];
                continue;
            }

            var take = Math.Min(9 - _headerFill, chunk.Length);
            chunk[..take].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += take;
            chunk = chunk[take..];
            if (_headerFill < 9)
            {
                break;
            }

            _headerFill = 0;
            var length = (_header[0] << 16) | (_header[1] << 8) | _header[2];
            var stream = ((uint)_header[5] << 24 | (uint)_header[6] << 16 | (uint)_header[7] << 8 | _header[8]) & 0x7FFF_FFFF;
            found |= interesting(_header[3], _header[4], stream);
            _skip = length;
            _goAwayFill = _header[3] == GoAway && stream == 0 && length >= _goAway.Length ? 0 : -1;
        }

        return found;
    }
}
