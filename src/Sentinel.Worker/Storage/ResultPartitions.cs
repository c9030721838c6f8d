using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Makes sure the daily partitions of <c>results</c> exist for the days a batch needs (UTC days; the function
/// <c>sentinel_results_partition</c> of migration 0004 creates one, safely when nodes race). Days known to exist are
/// remembered, so a batch of today's results costs nothing here; a day is asked for once per process.
/// </summary>
internal sealed class ResultPartitions
{
    private readonly HashSet<DateOnly> _known = [];
    private readonly Lock _lock = new();

    /// <summary>Creates the missing partitions for <paramref name="startedAt"/>'s days, each in a transaction of its own.</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, IEnumerable<DateTimeOffset> startedAt, CancellationToken cancellationToken)
    {
        List<DateOnly> missing;
        lock (_lock)
        {
            // The extreme values are stored as -infinity and infinity, which no day holds: they go to the default partition.
            missing = startedAt.Where(t => t > DateTimeOffset.MinValue && t < DateTimeOffset.MaxValue)
                .Select(DayOf).Distinct().Where(day => !_known.Contains(day)).ToList();
        }

        foreach (var day in missing)
        {
            await using var command = new NpgsqlCommand("SELECT sentinel_results_partition($1)", connection);
            command.Parameters.AddWithValue(day);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _known.Add(day);
            }
        }
    }

    /// <summary>Forgets a day, after its partition was dropped (retention).</summary>
    public void Forget(DateOnly day)
    {
        lock (_lock)
        {
            _known.Remove(day);
        }
    }

    /// <summary>The UTC day a result started on, which decides its partition.</summary>
    public static DateOnly DayOf(DateTimeOffset startedAt) => DateOnly.FromDateTime(startedAt.UtcDateTime);
}
