using System.Buffers;
using System.Globalization;
using System.Text;

namespace Sentinel.Worker.Metrics;

/// <summary>
/// Prometheus text exposition (format 0.0.4) written as UTF-8 into pooled 64 KiB chunks. A fleet's <c>/metrics</c>
/// runs to tens of megabytes, so the writer drains full chunks to the response as it goes (<see cref="DrainAsync"/>)
/// and writes on into the drained ones: a scrape holds a few chunks, not the whole response, and allocates none of it
/// afresh. Returned to the pool on dispose.
/// </summary>
internal sealed class ExpositionBuffer : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>The longest a formatted number can be ("-1.7976931348623157E+308").</summary>
    private const int MaxNumberLength = 32;

    /// <summary>Full chunks that <see cref="DrainAsync"/> waits for before writing: 256 KiB, written in large pieces.</summary>
    private const int DrainAt = 4;

    private readonly List<(byte[] Array, int Used)> _chunks = [];
    private readonly Stack<byte[]> _free = new();
    private long _full;
    private byte[] _current;
    private int _used;

    public ExpositionBuffer()
    {
        _current = ArrayPool<byte>.Shared.Rent(ChunkSize);
    }

    /// <summary>Bytes written so far, drained or not.</summary>
    public long Length => _full + _used;

    /// <summary><c># HELP</c> and <c># TYPE</c> of a family; HELP text escaped as the format asks (backslash, newline).</summary>
    public void Family(string name, string help, string type)
    {
        Ascii("# HELP ");
        Ascii(name);
        Byte((byte)' ');
        Utf8(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
        Ascii("\n# TYPE ");
        Ascii(name);
        Byte((byte)' ');
        Ascii(type);
        Byte((byte)'\n');
    }

    /// <summary>Writes <c>,name="value"</c> (or without the comma when <paramref name="first"/>), the value escaped.</summary>
    public void Label(string name, string value, bool first = false)
    {
        // ,name=" in one piece: a scrape writes hundreds of thousands of labels.
        var span = Reserve(name.Length + 3);
        var at = 0;
        if (!first)
        {
            span[at++] = (byte)',';
        }

        System.Text.Ascii.FromUtf16(name, span[at..], out var written);
        at += written;
        span[at++] = (byte)'=';
        span[at++] = (byte)'"';
        _used += at;
        Utf8(EscapeLabelValue(value));
        Byte((byte)'"');
    }

    /// <summary>Writes <c>} value\n</c>, ending a sample line.</summary>
    public void EndSample(double value)
    {
        var span = Reserve(MaxNumberLength + 3);
        span[0] = (byte)'}';
        span[1] = (byte)' ';
        _used += 2;
        Number(value);
        _current[_used++] = (byte)'\n';
    }

    /// <summary>A sample value as Go's strconv writes what Prometheus reads: shortest round-trip form, NaN, +Inf, -Inf.</summary>
    public void Number(double value)
    {
        if (double.IsNaN(value))
        {
            Ascii("NaN");
        }
        else if (double.IsInfinity(value))
        {
            Ascii(value > 0 ? "+Inf" : "-Inf");
        }
        else if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
        {
            // Whole numbers (counts, codes, timestamps in seconds) take the integer formatter, several times faster.
            var span = Reserve(MaxNumberLength);
            ((long)value).TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
            _used += written;
        }
        else
        {
            var span = Reserve(MaxNumberLength);
            value.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
            _used += written;
        }
    }

    /// <summary>Text known to be ASCII (metric and label names, fixed strings).</summary>
    public void Ascii(string text)
    {
        var span = Reserve(text.Length);
        System.Text.Ascii.FromUtf16(text, span, out var written);
        _used += written;
    }

    /// <summary>Bytes written before (a pre-encoded label set).</summary>
    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            var room = ChunkSize - _used;
            if (room == 0)
            {
                NextChunk();
                continue;
            }

            var n = Math.Min(room, bytes.Length);
            bytes[..n].CopyTo(_current.AsSpan(_used));
            _used += n;
            bytes = bytes[n..];
        }
    }

    public void Byte(byte b)
    {
        if (_used == ChunkSize)
        {
            NextChunk();
        }

        _current[_used++] = b;
    }

    /// <summary>
    /// Writes the full chunks to <paramref name="stream"/> once there are a few, and keeps them for the text that
    /// follows; completes at once, writing nothing, until then.
    /// </summary>
    public ValueTask DrainAsync(Stream stream, CancellationToken cancellationToken) =>
        _chunks.Count < DrainAt ? ValueTask.CompletedTask : WriteFullChunksAsync(stream, cancellationToken);

    /// <summary>Writes everything not drained yet to <paramref name="stream"/>.</summary>
    public async Task CopyToAsync(Stream stream, CancellationToken cancellationToken)
    {
        foreach (var (array, used) in _chunks)
        {
            await stream.WriteAsync(array.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
        }

        await stream.WriteAsync(_current.AsMemory(0, _used), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var (array, _) in _chunks)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        _chunks.Clear();
        while (_free.TryPop(out var array))
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        ArrayPool<byte>.Shared.Return(_current);
        _current = [];
    }

    /// <summary>A label value escaped as the text format asks: backslash, double quote and newline.</summary>
    public static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny("\\\"\n") < 0
            ? value
            : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private void Utf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max > ChunkSize)
        {
            Bytes(Encoding.UTF8.GetBytes(text.ToArray()));
            return;
        }

        var span = Reserve(max);
        System.Text.Unicode.Utf8.FromUtf16(text, span, out _, out var written);
        _used += written;
    }

    /// <summary>Room for <paramref name="length"/> bytes in one piece; a longer run than a chunk goes through <see cref="Bytes"/>.</summary>
    private Span<byte> Reserve(int length)
    {
        if (length > ChunkSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "longer than a chunk");
        }

        if (ChunkSize - _used < length)
        {
            NextChunk();
        }

        return _current.AsSpan(_used, length);
    }

    private void NextChunk()
    {
        // A chunk ends where the last write left it; its unused tail is never copied out.
        _chunks.Add((_current, _used));
        _full += _used;
        _current = _free.TryPop(out var drained) ? drained : ArrayPool<byte>.Shared.Rent(ChunkSize);
        _used = 0;
    }

    private async ValueTask WriteFullChunksAsync(Stream stream, CancellationToken cancellationToken)
    {
        // A chunk moves to the free ones once written, so that a failed write leaves each chunk in one place only.
        var written = 0;
        try
        {
            foreach (var (array, used) in _chunks)
            {
                await stream.WriteAsync(array.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                _free.Push(array);
                written++;
            }
        }
        finally
        {
            _chunks.RemoveRange(0, written);
        }
    }
}
