using System.Diagnostics.Metrics;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The result writer's own series: what waits (in memory and in the spill file), what was written, spilled, replayed
/// and dropped, how long batches take, and whether PostgreSQL takes them.
/// </summary>
internal sealed class ResultStorageMetrics
{
    /// <summary>Seconds, from a fast local commit to a write that hit <c>Sentinel:Results:WriteTimeout</c>.</summary>
    private static readonly double[] WriteBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter<long> _written;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _writeSeconds;
    private long _replayed;
    private long _rejected;
    private long _unspillable;

    public ResultStorageMetrics(Meter meter, ResultBuffer buffer, ResultSpill spill, ResultStorageState state, DatabaseState database)
    {
        _written = meter.CreateCounter<long>("sentinel_results_written_total", description: "Results written to PostgreSQL.");
        _failures = meter.CreateCounter<long>("sentinel_result_write_failures_total",
            description: "Failed attempts to write a batch of results (the batch went to the spill file, or is retried from it).");

        // Both exported at 0 from the start: a counter that first appears at 1 has no increase() or rate() for its
        // first failure, so an alert on it would miss the first outage after a restart.
        _written.Add(0);
        _failures.Add(0);
        _writeSeconds = meter.CreateHistogram("sentinel_result_write_seconds", unit: "s",
            description: "How long writing one batch of results to PostgreSQL took, commit included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WriteBuckets });
        meter.CreateObservableGauge("sentinel_results_buffered", () => buffer.Count + spill.Rows,
            description: "Results not yet written to PostgreSQL: in memory and in the spill file.");
        meter.CreateObservableCounter("sentinel_results_spilled_total", () => spill.Spilled,
            description: "Results appended to the spill file because PostgreSQL could not take them.");
        meter.CreateObservableCounter("sentinel_results_replayed_total", () => Interlocked.Read(ref _replayed),
            description: "Results written to PostgreSQL from the spill file.");
        meter.CreateObservableCounter("sentinel_results_dropped_total", () => new[]
        {
            Reason(buffer.Dropped, "buffer_full"),
            Reason(spill.DroppedWhenFull, "spill_full"),
            Reason(spill.Corrupt, "spill_corrupt"),
            Reason(Interlocked.Read(ref _rejected), "rejected"),
            Reason(Interlocked.Read(ref _unspillable), "spill_error"),
        }, description: "Results lost: the oldest when the buffer or the spill file was full, unreadable spill lines, rows PostgreSQL refused, rows the spill file could not take.");
        // Before the schema is ready nothing is written, whatever the last write did: results wait in the spill file.
        meter.CreateObservableGauge("sentinel_storage_up", () => database.Ready.IsCompleted && state.Up ? 1 : 0,
            description: "1 when results are written to PostgreSQL (the schema is ready and the last write succeeded), 0 while they go to the spill file.");
    }

    public void Written(int count, TimeSpan took)
    {
        _written.Add(count);
        _writeSeconds.Record(took.TotalSeconds);
    }

    public void WriteFailed() => _failures.Add(1);

    public void Replayed(int count) => Interlocked.Add(ref _replayed, count);

    /// <summary>Rows PostgreSQL refused as data (each is logged whole).</summary>
    public void Rejected(int count) => Interlocked.Add(ref _rejected, count);

    /// <summary>Rows lost because the spill file could not be written (a full disk, say).</summary>
    public void Unspillable(int count) => Interlocked.Add(ref _unspillable, count);

    private static Measurement<long> Reason(long value, string reason) => new(value, new KeyValuePair<string, object?>("reason", reason));
}
