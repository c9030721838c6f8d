using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Results;

/// <summary>The result buffer, writer and spill file (section <c>Sentinel:Results</c>).</summary>
internal sealed class ResultOptions
{
    public const string Section = "Sentinel:Results";

    /// <summary>
    /// How many results the in-memory buffer holds for the writer. Publishing never waits: when the buffer is full
    /// (even the spill file cannot keep up), its oldest result is dropped and counted. Default 10,000; 100 to 1,000,000.
    /// </summary>
    [Range(100, 1_000_000, ErrorMessage = "Sentinel:Results:QueueCapacity must be from 100 to 1000000")]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>The most results written in one COPY (and replayed from the spill file in one). Default 1,000; 1 to 100,000.</summary>
    [Range(1, 100_000, ErrorMessage = "Sentinel:Results:BatchSize must be from 1 to 100000")]
    public int BatchSize { get; set; } = 1_000;

    /// <summary>
    /// How long the writer gathers results before it writes a batch that is not full: each write costs PostgreSQL a
    /// transaction, a COPY, two merges and a commit whatever its size, so a few hundred results a second written as they
    /// come (a few per batch) cost it several times what the same results cost in batches of a hundred. A full batch is
    /// written at once. Default 250 ms; 0 (write as results come) to 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Sentinel:Results:FlushInterval must be from 00:00:00 to 00:00:10")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long writing one batch may take before it counts as failed, so that a database that hangs rather than
    /// refuses sends results to the spill file instead of holding them in memory. Default 10 s; 1 s to 10 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Sentinel:Results:WriteTimeout must be from 00:00:01 to 00:10:00")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where results wait while PostgreSQL cannot take them: append-only segment files, replayed oldest first when it
    /// is back. Default: <c>spill</c> beside the embedded cluster's data directory (<c>.sentinel/spill</c>), also when a
    /// database server is configured. One node per directory: a second one is refused.
    /// </summary>
    public string? SpillDirectory { get; set; }

    /// <summary>
    /// The most bytes the spill file may take. When a result does not fit, the oldest segment (a thirty-second of this,
    /// at most 32 MiB) is dropped and its results counted in <c>sentinel_results_dropped_total{reason="spill_full"}</c>.
    /// Default 1 GiB; 64 KiB to 1 TiB.
    /// </summary>
    [Range(64L * 1024, 1024L * 1024 * 1024 * 1024, ErrorMessage = "Sentinel:Results:SpillMaxBytes must be from 65536 to 1099511627776")]
    public long SpillMaxBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>The spill directory: <see cref="SpillDirectory"/>, else <c>spill</c> beside <paramref name="embeddedDataDirectory"/>.</summary>
    public string SpillDirectoryBeside(string embeddedDataDirectory) =>
        Path.GetFullPath(SpillDirectory is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(embeddedDataDirectory)) ?? ".", "spill"));
}
