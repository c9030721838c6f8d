using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sentinel.Probes.Probing;

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
    }

    /// <summary>Removes from <paramref name="batch"/> the results retention no longer keeps; counts and logs them.</summary>
    public void RemoveExpired(List<ProbeResult> batch)
    {
        var horizons = RetentionHorizons.At(_time.GetUtcNow(), _options.Value);
        var oldest = DateTimeOffset.MaxValue;
        var removed = batch.RemoveAll(result =>
        {
            if (horizons.KeepsResult(result.StartedAt))
            {
                return false;
            }

            oldest = result.StartedAt < oldest ? result.StartedAt : oldest;
            return true;
        });
        if (removed > 0)
        {
            _expired.Add(removed);
            Log.ResultsExpired(_log, removed, oldest, horizons.OldestRawDay);
        }
    }
}
