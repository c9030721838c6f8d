namespace Sentinel.Worker.Storage;

/// <summary>One segment file of the spill (<see cref="ResultSpill"/>), what is known of it, and its rows read back.</summary>
internal sealed class SpillSegment(string path)
{
    /// <summary>The longest line replay reads; a longer one is not a row Sentinel wrote.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    public string Path { get; } = path;

    /// <summary>Lines appended (or found at start-up).</summary>
    public long Rows { get; set; }

    public long Bytes { get; set; }

    /// <summary>Whether the replay holds it; such a segment is not dropped to make room.</summary>
    public bool Replaying { get; set; }

    /// <summary>Lines of the last read that were not rows.</summary>
    public long Corrupt { get; set; }

    /// <summary>
    /// The segment's rows in batches of <paramref name="batchSize"/>, in order; lines that are not rows (a write cut
    /// short by a crash, damage, a line over <see cref="MaxLineBytes"/>) are skipped and tallied in <see cref="Corrupt"/>,
    /// to be counted once the segment is complete.
    /// </summary>
    public IEnumerable<List<ResultRow>> ReadBatches(int batchSize)
    {
        Corrupt = 0;
        using var reader = new SpillSegmentReader(Path, MaxLineBytes);
        var batch = new List<ResultRow>(batchSize);
        while (reader.TryReadLine(out var line, out var tooLong))
        {
            if (!tooLong && line.IsEmpty)
            {
                continue;
            }

            if (tooLong || ResultRow.FromSpillLine(line.Span) is not { } row)
            {
                Corrupt++;
                continue;
            }

            batch.Add(row);
            if (batch.Count == batchSize)
            {
                yield return batch;
                batch = new List<ResultRow>(batchSize);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
