using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Where results wait while PostgreSQL cannot take them: an append-only file in segments under one directory
/// (<c>00000000000000000001.jsonl</c>, …), one JSON line per result (<see cref="ResultRowJson"/>), synced to disk
/// once per appended batch. Segments are replayed oldest first and deleted only after their rows committed, so a
/// crash mid-replay replays a segment again, which the id-based merge makes harmless.
/// </summary>
/// <remarks>
/// Bounded by <see cref="MaxBytes"/>: when a row does not fit, the oldest segment not being replayed is deleted and its
/// rows counted (<see cref="DroppedWhenFull"/>); a probe never waits for room. Segments are a thirty-second of the bound
/// (4 KiB to 32 MiB), so a drop loses a small, old slice. A line that is not a whole row (a write cut short by a crash,
/// garbage) is skipped and counted (<see cref="Corrupt"/>) as its segment is replayed. A lock file keeps a second
/// process off the directory: two nodes replaying one spill would each store the other's results.
/// </remarks>
internal sealed class ResultSpill : IDisposable
{
    public const string SegmentExtension = ".jsonl";

    private const string LockName = "spill.lock";

    private readonly Lock _lock = new();
    private readonly List<SpillSegment> _sealed = [];
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private readonly ILogger _log;
    private SpillSegment? _open;
    private FileStream? _openStream;
    private FileStream? _lockFile;
    private long _nextSequence = 1;
    private long _rows;
    private long _bytes;
    private long _spilled;
    private long _droppedWhenFull;
    private long _corrupt;

    public ResultSpill(string directory, long maxBytes, ILogger log)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        SegmentBytes = Math.Clamp(maxBytes / 32, 4 * 1024, 32 * 1024 * 1024);
        _log = log;
        _json = new Utf8JsonWriter(_line, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public string Directory { get; }

    public long MaxBytes { get; }

    /// <summary>The size at which the segment being appended to is closed and a new one begun.</summary>
    public long SegmentBytes { get; }

    /// <summary>Rows in the spill, not yet replayed (lines, until replay tells rows from garbage).</summary>
    public long Rows => Interlocked.Read(ref _rows);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Rows appended since start.</summary>
    public long Spilled => Interlocked.Read(ref _spilled);

    /// <summary>Rows dropped with their segment to make room, since start.</summary>
    public long DroppedWhenFull => Interlocked.Read(ref _droppedWhenFull);

    /// <summary>Lines of replayed segments that were not rows, since start.</summary>
    public long Corrupt => Interlocked.Read(ref _corrupt);

    /// <summary>Whether no row waits in the spill.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _sealed.Count == 0 && _open is not { Rows: > 0 };
            }
        }
    }

    /// <summary>
    /// Takes the directory (creating it) and finds the segments an earlier run left, to be replayed before anything
    /// newer. Once; later calls do nothing.
    /// </summary>
    /// <exception cref="ResultSpillException">The directory cannot be used, or another process uses it.</exception>
    public void Open()
    {
        lock (_lock)
        {
            if (_lockFile is not null)
            {
                return;
            }

            try
            {
                System.IO.Directory.CreateDirectory(Directory);
                _lockFile = new FileStream(Path.Combine(Directory, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new ResultSpillException(
                    $"cannot take the spill directory {Directory}: {ex.Message} (another Sentinel may be using it; give each node its own Sentinel:Results:SpillDirectory)");
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new ResultSpillException($"cannot use the spill directory {Directory}: {ex.Message}");
            }

            foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + SegmentExtension).Order(StringComparer.Ordinal))
            {
                if (!long.TryParse(Path.GetFileNameWithoutExtension(path), out var sequence) || sequence < 1)
                {
                    continue;
                }

                var (rows, bytes) = CountLines(path);
                _nextSequence = Math.Max(_nextSequence, sequence + 1);
                if (bytes == 0)
                {
                    File.Delete(path);
                    continue;
                }

                _sealed.Add(new SpillSegment(path) { Rows = rows, Bytes = bytes });
                _rows += rows;
                _bytes += bytes;
            }
        }
    }

    /// <summary>
    /// Appends <paramref name="rows"/> in order and syncs them to disk. A row that does not fit makes room by dropping
    /// the oldest segment; when no segment can go (only the one being replayed is left), the row itself is dropped.
    /// </summary>
    /// <exception cref="ResultSpillException">Writing failed (disk full, say); <see cref="ResultSpillException.Lost"/> rows are not on disk.</exception>
    public void Append(IReadOnlyList<ResultRow> rows)
    {
        lock (_lock)
        {
            if (_lockFile is null)
            {
                throw new InvalidOperationException("the spill is not open");
            }

            var pending = 0;
            var next = 0;
            try
            {
                for (; next < rows.Count; next++)
                {
                    Encode(rows[next]);
                    var size = _line.WrittenCount;
                    if (_open is { Bytes: > 0 } open && open.Bytes + size > SegmentBytes)
                    {
                        Seal();
                        _spilled += pending;
                        pending = 0;
                    }

                    if (!MakeRoom(size))
                    {
                        _droppedWhenFull++;
                        continue;
                    }

                    _open ??= Create();
                    _pending.Write(_line.WrittenSpan);
                    _open.Rows++;
                    _open.Bytes += size;
                    _rows++;
                    _bytes += size;
                    pending++;
                }

                WritePending();
                _spilled += pending;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Abandon(pending);
                throw new ResultSpillException($"cannot write to the spill directory {Directory}: {ex.Message}", pending + rows.Count - next);
            }
        }
    }

    /// <summary>
    /// The oldest segment, marked as being replayed (so a full spill does not drop it); the segment being appended to
    /// is closed first when it is the only one. Null when the spill is empty.
    /// </summary>
    public SpillSegment? TakeOldest()
    {
        lock (_lock)
        {
            if (_sealed.Count == 0 && _open is { Rows: > 0 })
            {
                Seal();
            }

            if (_sealed.Count == 0)
            {
                return null;
            }

            var segment = _sealed[0];
            segment.Replaying = true;
            return segment;
        }
    }

    /// <summary>The segment's rows committed: it is deleted.</summary>
    public void Complete(SpillSegment segment)
    {
        lock (_lock)
        {
            File.Delete(segment.Path);
            if (_sealed.Remove(segment))
            {
                _rows -= segment.Rows;
                _bytes -= segment.Bytes;
                _corrupt += segment.Corrupt;
            }
        }
    }

    /// <summary>The segment's replay stopped short: it stays, to be replayed again.</summary>
    public void Release(SpillSegment segment)
    {
        lock (_lock)
        {
            segment.Replaying = false;
        }
    }

    /// <summary>Closes the segment being appended to (it is replayed at the next start) and gives the directory up.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            try
            {
                _openStream?.Flush(flushToDisk: true);
            }
            catch (IOException ex)
            {
                Log.SpillCloseFailed(_log, Directory, ex.Message);
            }

            _openStream?.Dispose();
            _openStream = null;
            if (_open is { Rows: > 0 } open)
            {
                _sealed.Add(open);
            }

            _open = null;
            _json.Dispose();
            _lockFile?.Dispose();
            _lockFile = null;
        }
    }

    private void Encode(ResultRow row)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        JsonSerializer.Serialize(_json, row, ResultRowJson.Default.ResultRow);
        _json.Flush();
        _line.Write("\n"u8);
    }

    /// <summary>Deletes the oldest segments not being replayed until <paramref name="size"/> more bytes fit; false if they cannot.</summary>
    private bool MakeRoom(long size)
    {
        while (_bytes + size > MaxBytes)
        {
            var victim = _sealed.Find(s => !s.Replaying);
            if (victim is null)
            {
                return false;
            }

            File.Delete(victim.Path);
            _sealed.Remove(victim);
            _rows -= victim.Rows;
            _bytes -= victim.Bytes;
            _droppedWhenFull += victim.Rows;
            Log.SpillFull(_log, Directory, MaxBytes, victim.Rows);
        }

        return true;
    }

    private SpillSegment Create()
    {
        var path = Path.Combine(Directory, $"{_nextSequence++:D20}{SegmentExtension}");
        _openStream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        return new SpillSegment(path);
    }

    private void WritePending()
    {
        if (_pending.WrittenCount == 0 || _openStream is null)
        {
            return;
        }

        _openStream.Write(_pending.WrittenSpan);
        _pending.ResetWrittenCount();
        _openStream.Flush(flushToDisk: true);
    }

    private void Seal()
    {
        WritePending();
        _openStream?.Dispose();
        _openStream = null;
        if (_open is { } open)
        {
            _sealed.Add(open);
        }

        _open = null;
    }

    /// <summary>After a failed write: the rows not on disk are forgotten, and the segment is closed as it is.</summary>
    private void Abandon(int lost)
    {
        _pending.ResetWrittenCount();
        if (_open is { } open)
        {
            open.Rows -= lost;
            _rows -= lost;
            try
            {
                _openStream?.Dispose();
                var length = new FileInfo(open.Path).Length;
                _bytes += length - open.Bytes;
                open.Bytes = length;
            }
            catch (IOException)
            {
                // The stream is gone either way; the accounting stays as it was.
            }

            _openStream = null;
            _open = null;
            _sealed.Add(open);
        }
    }

    private static (long Rows, long Bytes) CountLines(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var buffer = new byte[64 * 1024];
        long rows = 0;
        long bytes = 0;
        var last = (byte)'\n';
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            rows += buffer.AsSpan(0, read).Count((byte)'\n');
            bytes += read;
            last = buffer[read - 1];
        }

        return (rows + (last == '\n' ? 0 : 1), bytes);
    }
}
