namespace Sentinel.Worker.Storage;

/// <summary>
/// Reads a spill segment line by line with a bounded buffer, whatever the file holds: a line longer than the bound
/// (garbage without a newline, say) is skipped and reported rather than read into memory, and a last line without its
/// newline (a write cut short by a crash) is returned for the caller to judge.
/// </summary>
internal sealed class SpillSegmentReader : IDisposable
{
    private readonly FileStream _file;
    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _endOfFile;
    private bool _skipping;

    public SpillSegmentReader(string path, int maxLineBytes)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        _maxLineBytes = maxLineBytes;
        _buffer = new byte[Math.Min(64 * 1024, maxLineBytes)];
    }

    /// <summary>
    /// Reads the next line, without its newline; false at the end of the file. <paramref name="tooLong"/> is set (and
    /// <paramref name="line"/> empty) for a line over the bound, which is skipped. The line is valid until the next call.
    /// </summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line, out bool tooLong)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                line = _skipping ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(_start, newline - _start);
                tooLong = _skipping;
                _skipping = false;
                _start = newline + 1;
                return true;
            }

            if (_endOfFile)
            {
                if (_skipping || _end > _start)
                {
                    line = _skipping ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(_start, _end - _start);
                    tooLong = _skipping;
                    _skipping = false;
                    _start = _end;
                    return true;
                }

                line = ReadOnlyMemory<byte>.Empty;
                tooLong = false;
                return false;
            }

            Fill();
        }
    }

    private void Fill()
    {
        if (_skipping)
        {
            // Nothing of a line being skipped is kept.
            _start = _end = 0;
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= _maxLineBytes)
            {
                _skipping = true;
                _start = _end = 0;
            }
            else
            {
                Array.Resize(ref _buffer, (int)Math.Min(_buffer.Length * 2L, _maxLineBytes));
            }
        }

        var read = _file.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfFile = true;
        }
        else
        {
            _end += read;
        }
    }

    public void Dispose() => _file.Dispose();
}
