using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The partitions of history: <c>results_YYYYMMDD</c> (UTC days, migration 0004), <c>rollups_minute_YYYYMMDD</c> (UTC
/// days) and <c>rollups_hour_YYYYMM</c> (UTC months, migration 0006). Maintenance makes them ahead of time and drops
/// them once they are past retention. Only partitions named as the partition functions name them are touched.
/// </summary>
internal static partial class StoragePartitions
{
    /// <summary>
    /// Days made ahead of today (UTC), for raw results and minute rollups: the writer then never waits on DDL at
    /// midnight, and a few days of maintenance not running (every node down, the lock held by a stuck node) cost nothing.
    /// </summary>
    public const int DaysAhead = 3;

    /// <summary>
    /// How long a partition's DDL waits for the table's lock before it gives up until the next round. Dropping a
    /// partition needs an exclusive lock on its parent; waiting behind a long query would queue every reader and writer
    /// of the table behind the drop.
    /// </summary>
    private const string LockTimeout = "5s";

    /// <summary>The partitions of history, with the first instant each holds.</summary>
    public static async Task<IReadOnlyList<HistoryPartition>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent IN ('results'::regclass, 'rollups_minute'::regclass, 'rollups_hour'::regclass)
            """, connection);
        var partitions = new List<HistoryPartition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Parse(reader.GetString(0)) is { } partition)
            {
                partitions.Add(partition);
            }
        }

        return partitions;
    }

    /// <summary>
    /// Makes the partitions of today and the next <see cref="DaysAhead"/> days (raw results, minute rollups) and of this
    /// month and the next (hour rollups) that do not exist yet; returns the names made.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CreateAheadAsync(
        NpgsqlConnection connection, IReadOnlyList<HistoryPartition> existing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var today = RetentionHorizons.DayStart(now);
        var month = RetentionHorizons.MonthStart(now);
        var wanted = Enumerable.Range(0, DaysAhead + 1)
            .SelectMany(d => new[] { new HistoryPartition(HistoryTable.Results, today.AddDays(d)), new HistoryPartition(HistoryTable.MinuteRollups, today.AddDays(d)) })
            .Concat([new HistoryPartition(HistoryTable.HourRollups, month), new HistoryPartition(HistoryTable.HourRollups, month.AddMonths(1))]);
        var names = existing.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var created = new List<string>();
        foreach (var partition in wanted.Where(p => !names.Contains(p.Name)))
        {
            await CreateAsync(connection, partition, cancellationToken).ConfigureAwait(false);
            created.Add(partition.Name);
        }

        return created;
    }

    /// <summary>Makes <paramref name="partition"/> unless it exists, through the partition function of its table.</summary>
    public static async Task CreateAsync(NpgsqlConnection connection, HistoryPartition partition, CancellationToken cancellationToken)
    {
        var sql = partition.Table == HistoryTable.Results
            ? "SELECT sentinel_results_partition($1::date)"
            : $"SELECT sentinel_rollups_partition('{(partition.Table == HistoryTable.MinuteRollups ? "minute" : "hour")}', $1)";
        object start = partition.Table == HistoryTable.Results ? DateOnly.FromDateTime(partition.Start.UtcDateTime) : partition.Start;
        await ExecuteDdlAsync(connection, sql, start, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the partitions that begin before their table's horizon; returns the names dropped. A drop that cannot get
    /// its lock in time is left for the next round (and named in <paramref name="postponed"/>).
    /// </summary>
    public static async Task<IReadOnlyList<string>> DropExpiredAsync(
        NpgsqlConnection connection, IReadOnlyList<HistoryPartition> existing, RetentionHorizons horizons, Action<string, string> postponed,
        CancellationToken cancellationToken)
    {
        var dropped = new List<string>();
        foreach (var partition in existing.Where(p => p.Start < p.Table switch
        {
            HistoryTable.Results => horizons.Raw,
            HistoryTable.MinuteRollups => horizons.Minute,
            _ => horizons.Hour,
        }).OrderBy(p => p.Start))
        {
            try
            {
                // The name matched PartitionName, so it is a plain identifier.
                await ExecuteDdlAsync(connection, $"DROP TABLE IF EXISTS {partition.Name}", null, cancellationToken).ConfigureAwait(false);
                dropped.Add(partition.Name);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                postponed(partition.Name, ex.MessageText);
            }
        }

        return dropped;
    }

    private static async Task ExecuteDdlAsync(NpgsqlConnection connection, string sql, object? parameter, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var timeout = new NpgsqlCommand($"SET LOCAL lock_timeout = '{LockTimeout}'", connection, transaction))
        {
            await timeout.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            if (parameter is not null)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter });
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static HistoryPartition? Parse(string name)
    {
        var match = PartitionName().Match(name);
        if (!match.Success)
        {
            return null;
        }

        var table = match.Groups["table"].Value switch
        {
            "results" => HistoryTable.Results,
            "rollups_minute" => HistoryTable.MinuteRollups,
            _ => HistoryTable.HourRollups,
        };
        var format = table == HistoryTable.HourRollups ? "yyyyMM" : "yyyyMMdd";
        return DateTime.TryParseExact(match.Groups["start"].Value, format, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start)
            ? new HistoryPartition(table, new DateTimeOffset(start, TimeSpan.Zero))
            : null;
    }

    [GeneratedRegex("^(?<table>results|rollups_minute)_(?<start>[0-9]{8})$|^(?<table>rollups_hour)_(?<start>[0-9]{6})$", RegexOptions.CultureInvariant)]
    private static partial Regex PartitionName();
}

/// <summary>The partitioned tables of history.</summary>
internal enum HistoryTable
{
    /// <summary><c>results</c>, by UTC day.</summary>
    Results,

    /// <summary><c>rollups_minute</c>, by UTC day.</summary>
    MinuteRollups,

    /// <summary><c>rollups_hour</c>, by UTC month.</summary>
    HourRollups,
}

/// <summary>One partition of a history table, by the first instant it holds (a UTC day's or month's start).</summary>
internal readonly record struct HistoryPartition(HistoryTable Table, DateTimeOffset Start)
{
    /// <summary>Its name, as the partition functions make it.</summary>
    public string Name => Table switch
    {
        HistoryTable.Results => "results_" + Start.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
        HistoryTable.MinuteRollups => "rollups_minute_" + Start.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
        _ => "rollups_hour_" + Start.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture),
    };
}
