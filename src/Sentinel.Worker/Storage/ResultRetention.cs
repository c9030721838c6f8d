using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sentinel.Worker.Storage;

/// <summary>
/// What the result writer does with a result whose UTC day is past the raw retention when it arrives (replayed after a
/// long outage, or from a node whose clock is far behind): it is not stored, but counted in
/// <c>sentinel_results_expired_total</c> and logged. Writing it would make the writer create that day's partition again
/// (<see cref="ResultPartitions"/>) after maintenance dropped it, for rows the next round drops again; and the rollups
/// of that day are past being recomputed from raw rows. The rule is the one maintenance drops partitions by
/// (<see cref="RetentionHorizons.KeepsResult"/>), on the same clock, so a day is either written or dropped, never both.
/// </summary>
internal sealed class ResultRetention
{
    private readonly IOptions<StorageOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ResultRetention> _log;
    private readonly Counter<long> _expired;

    public ResultRetention(IOptions<StorageOptions> options, TimeProvider time, Meter meter, ILogger<ResultRetention> log)
    {
        _options = options;
        _time = time;
        _log = log;
        _expired = meter.CreateCounter<long>("sentinel_results_expired_total",
            description: "Results not stored because they arrived after their day had passed the raw retention.");
        _expired.Add(0);
    }

    /// <summary>
    /// The rows of <paramref name="batch"/> that retention keeps (the batch itself when it keeps them all), and in
    /// <paramref name="expired"/> the others, for <see cref="Report"/> once the kept ones are written.
    /// </summary>
    public IReadOnlyList<ResultRow> Kept(IReadOnlyList<ResultRow> batch, out IReadOnlyList<ResultRow> expired)
    {
        var horizons = RetentionHorizons.At(_time.GetUtcNow(), _options.Value);
        if (batch.All(row => horizons.KeepsResult(row.StartedAt)))
        {
            expired = [];
            return batch;
        }

        expired = batch.Where(row => !horizons.KeepsResult(row.StartedAt)).ToList();
        return batch.Where(row => horizons.KeepsResult(row.StartedAt)).ToList();
    }

    /// <summary>
    /// Counts and logs <paramref name="expired"/>, left out of a batch that was written: once, however often a batch
    /// that failed was tried.
    /// </summary>
    public void Report(IReadOnlyList<ResultRow> expired)
    {
        if (expired.Count > 0)
        {
            _expired.Add(expired.Count);
            Log.ResultsExpired(_log, expired.Count, expired.Min(row => row.StartedAt), RetentionHorizons.At(_time.GetUtcNow(), _options.Value).OldestRawDay);
        }
    }
}
