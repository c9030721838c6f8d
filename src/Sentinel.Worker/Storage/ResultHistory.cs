using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Api.Endpoints;

namespace Sentinel.Worker.Storage;

/// <summary>
/// What is stored of the checks' runs, from PostgreSQL (<see cref="IResultHistory"/>): the latest state of every check
/// (<see cref="CheckLatestStore"/>); and a check's history, raw results for short ranges, minute or hour
/// rollups for longer ones (<see cref="HistoryPlan"/>), with the buckets the rollups have not settled yet computed
/// from raw results on the spot (the same SQL a rollup round runs, <see cref="RollupSql"/>), so the newest point is as
/// current as the raw results. Every history query reads one check through its primary-key or (check_id, started_at) index.
/// </summary>
internal sealed class ResultHistory(NpgsqlDataSource dataSource, CheckLatestStore latest, IOptions<StorageOptions> options, TimeProvider time) : IResultHistory
{
    /// <summary>Times outside this span are refused: bucket arithmetic at the ends of the calendar would overflow.</summary>
    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task<IReadOnlyList<CheckLatest>> GetLatestAsync(CancellationToken cancellationToken = default) => latest.ListAllAsync(cancellationToken);

    public async Task<CheckLatest?> GetLatestAsync(string check, CancellationToken cancellationToken = default) =>
        (await latest.ListAllAsync(cancellationToken, check).ConfigureAwait(false)).SingleOrDefault();

    public async Task<ResultHistoryPage> GetHistoryAsync(string check, DateTimeOffset from, DateTimeOffset before, HistoryResolution? resolution = null,
        int? limit = null, CancellationToken cancellationToken = default)
    {
        var to = before;
        CheckRange(from, to);
        var pageSize = limit ?? HistoryPlan.DefaultLimit;
        if (pageSize is < 1 or > HistoryPlan.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"the limit must be from 1 to {HistoryPlan.MaxLimit}");
        }

        var kept = RetentionHorizons.At(time.GetUtcNow(), options.Value);
        var chosen = HistoryPlan.Choose(from, to, resolution, kept);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (chosen == HistoryResolution.Raw)
        {
            var (runs, next) = await ReadRunsAsync(connection, check, from, to, pageSize, cancellationToken).ConfigureAwait(false);
            return new ResultHistoryPage(check, from, to, chosen, runs, null, next);
        }

        var rolled = await ReadCoverageAsync(connection, cancellationToken).ConfigureAwait(false);
        var (buckets, nextBucket) = await ReadBucketsAsync(connection, check, from, to, chosen, rolled, pageSize, cancellationToken).ConfigureAwait(false);
        return new ResultHistoryPage(check, from, to, chosen, null, buckets, nextBucket);
    }

    public async Task<CheckUptime> GetUptimeAsync(string check, DateTimeOffset from, DateTimeOffset before, CancellationToken cancellationToken = default) =>
        (await GetUptimeAsync([check], from, before, cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<CheckUptime>> GetUptimeAsync(IReadOnlyList<string> checks, DateTimeOffset from, DateTimeOffset before,
        CancellationToken cancellationToken = default)
    {
        var to = before;
        CheckRange(from, to);
        var counts = new Dictionary<string, (long Runs, long Down, long Degraded, long Unknown)>(StringComparer.Ordinal);
        if (checks.Count > 0)
        {
            var kept = RetentionHorizons.At(time.GetUtcNow(), options.Value);
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var rolled = await ReadCoverageAsync(connection, cancellationToken).ConfigureAwait(false);
            var segments = HistoryPlan.UptimeSegments(from, to, rolled, kept);

            // One branch per piece: each is a range scan of the checks in one table, by its (check, time) index.
            var sql = new StringBuilder("SELECT check_id, sum(runs)::bigint, sum(down)::bigint, sum(degraded)::bigint, sum(unknown)::bigint FROM (");
            await using var command = new NpgsqlCommand { Connection = connection };
            command.Parameters.AddWithValue(checks.Distinct(StringComparer.Ordinal).ToArray());
            for (var i = 0; i < segments.Count; i++)
            {
                var (source, start, end) = segments[i];
                var (a, b) = ($"${command.Parameters.Count + 1}", $"${command.Parameters.Count + 2}");
                command.Parameters.AddWithValue(start.ToUniversalTime());
                command.Parameters.AddWithValue(end.ToUniversalTime());
                sql.Append(i == 0 ? "\n" : "\nUNION ALL\n").Append(source == HistoryResolution.Raw
                    ? $"SELECT check_id, count(*)::int, (count(*) FILTER (WHERE status = 'down'))::int, (count(*) FILTER (WHERE status = 'degraded'))::int, " +
                      $"(count(*) FILTER (WHERE status = 'unknown'))::int FROM results WHERE check_id = ANY($1) AND started_at >= {a} AND started_at < {b} GROUP BY check_id"
                    : $"SELECT check_id, runs, down, degraded, unknown FROM rollups_{(source == HistoryResolution.Minute ? "minute" : "hour")} " +
                      $"WHERE check_id = ANY($1) AND phase = 'total' AND bucket >= {a} AND bucket < {b}");
            }

            sql.Append(segments.Count == 0 ? "SELECT ''::text, 0, 0, 0, 0 WHERE false" : string.Empty)
                .Append("\n) AS pieces (check_id, runs, down, degraded, unknown) GROUP BY check_id");
            command.CommandText = sql.ToString();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            }
        }

        return checks.Select(check =>
        {
            var (runs, down, degraded, unknown) = counts.GetValueOrDefault(check);
            var up = runs - down - degraded - unknown;
            var known = runs - unknown;
            return new CheckUptime(check, from, to, runs, up, degraded, down, unknown, known == 0 ? null : (double)(up + degraded) / known);
        }).ToList();
    }

    private static async Task<(IReadOnlyList<HistoryRun> Runs, DateTimeOffset? Next)> ReadRunsAsync(
        NpgsqlConnection connection, string check, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, started_at, status, duration_ms, phases::text, failure_layer, failure_category, failure_message, node, scheduled_at
            FROM results
            WHERE check_id = $1 AND started_at >= $2 AND started_at < $3
            ORDER BY started_at, id
            LIMIT $4
            """, connection);
        command.Parameters.AddWithValue(check);
        command.Parameters.AddWithValue(from.ToUniversalTime());
        command.Parameters.AddWithValue(to.ToUniversalTime());
        command.Parameters.AddWithValue(limit + 1);
        var runs = new List<HistoryRun>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                runs.Add(ReadRun(reader, 0));
            }
        }

        if (runs.Count <= limit)
        {
            return (runs, null);
        }

        // The next page starts at the first run left out; runs that started at that same instant move to it whole, so
        // that none is returned twice (unless they alone fill the page).
        var next = runs[limit].StartedAt;
        var cut = limit;
        while (cut > 0 && runs[cut - 1].StartedAt == next)
        {
            cut--;
        }

        return (runs.GetRange(0, cut == 0 ? limit : cut), cut == 0 ? runs[limit].StartedAt.AddTicks(10) : next);
    }

    /// <summary>
    /// The run in the columns from <paramref name="first"/> on: id, started_at, status, duration_ms, phases (as text),
    /// failure_layer, failure_category, failure_message, node, scheduled_at.
    /// </summary>
    internal static HistoryRun ReadRun(NpgsqlDataReader reader, int first) => new(
        reader.GetGuid(first), reader.GetFieldValue<DateTimeOffset>(first + 1), reader.GetString(first + 2), reader.GetDouble(first + 3),
        Phases(reader.GetString(first + 4)), NullableText(reader, first + 5), NullableText(reader, first + 6), NullableText(reader, first + 7),
        reader.GetString(first + 8), reader.IsDBNull(first + 9) ? null : reader.GetFieldValue<DateTimeOffset>(first + 9));

    private static string? NullableText(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static async Task<(IReadOnlyList<HistoryBucket> Buckets, DateTimeOffset? Next)> ReadBucketsAsync(
        NpgsqlConnection connection, string check, DateTimeOffset from, DateTimeOffset to, HistoryResolution resolution, RollupCoverage rolled,
        int limit, CancellationToken cancellationToken)
    {
        // Whole buckets that overlap the range: rolled-up ones before the settled point, the others computed from raw rows.
        var unit = resolution == HistoryResolution.Hour ? "hour" : "minute";
        var first = HistoryPlan.BucketOf(from, resolution);
        var split = resolution == HistoryResolution.Hour ? rolled.Hours : rolled.Minutes;
        split = split < first ? first : split;
        await using var command = new NpgsqlCommand(
            $"""
            WITH found AS (
                SELECT bucket, phase, runs, down, degraded, unknown, min_ms, avg_ms, max_ms, p95_ms
                FROM rollups_{unit}
                WHERE check_id = $1 AND bucket >= $2 AND bucket < least($3, $4)
                UNION ALL
                SELECT bucket, phase, runs, down, degraded, unknown, min_ms, avg_ms, max_ms, p95_ms
                FROM ({RollupSql.Aggregate($"date_trunc('{unit}', r.started_at, 'UTC')", "results r",
                    "r.check_id = $1 AND r.started_at >= $3 AND r.started_at < $5")}) AS recent
            ), page AS (
                SELECT DISTINCT bucket FROM found ORDER BY bucket LIMIT $6
            )
            SELECT found.* FROM found JOIN page USING (bucket) ORDER BY bucket, phase
            """, connection);
        command.Parameters.AddWithValue(check);
        command.Parameters.AddWithValue(first);
        command.Parameters.AddWithValue(split);
        command.Parameters.AddWithValue(to.ToUniversalTime());
        command.Parameters.AddWithValue(HistoryPlan.BucketCeiling(to, resolution));
        command.Parameters.AddWithValue(limit + 1);

        var buckets = new List<HistoryBucket>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            var start = DateTimeOffset.MinValue;
            DurationStats? total = null;
            (int Down, int Degraded, int Unknown) counts = default;
            var phases = new Dictionary<string, DurationStats>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var bucket = reader.GetFieldValue<DateTimeOffset>(0);
                if (bucket != start && total is not null)
                {
                    buckets.Add(Bucket(start, total, counts, phases));
                    phases = new Dictionary<string, DurationStats>(StringComparer.Ordinal);
                    total = null;
                }

                start = bucket;
                var stats = new DurationStats(reader.GetInt32(2), reader.GetDouble(6), reader.GetDouble(7), reader.GetDouble(8), reader.GetDouble(9));
                if (reader.GetString(1) == "total")
                {
                    total = stats;
                    counts = (reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5));
                }
                else
                {
                    phases[reader.GetString(1)] = stats;
                }
            }

            if (total is not null)
            {
                buckets.Add(Bucket(start, total, counts, phases));
            }
        }

        return buckets.Count <= limit ? (buckets, null) : (buckets.GetRange(0, limit), buckets[limit].Start);
    }

    private static HistoryBucket Bucket(DateTimeOffset start, DurationStats total, (int Down, int Degraded, int Unknown) counts, Dictionary<string, DurationStats> phases) =>
        new(start, total.Runs, total.Runs - counts.Down - counts.Degraded - counts.Unknown, counts.Degraded, counts.Down, counts.Unknown, total, phases);

    private static async Task<RollupCoverage> ReadCoverageAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT ingested_before, hours_before FROM rollup_progress", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? RollupCoverage.From(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1))
            : default;
    }

    private static Dictionary<string, double> Phases(string json)
    {
        using var document = JsonDocument.Parse(json);
        var phases = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var phase in document.RootElement.EnumerateObject())
        {
            if (phase.Value.ValueKind == JsonValueKind.Number)
            {
                phases[phase.Name] = phase.Value.GetDouble();
            }
        }

        return phases;
    }

    private static void CheckRange(DateTimeOffset from, DateTimeOffset to)
    {
        if (from < Earliest || to > Latest)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"the range must lie between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}");
        }

        if (from >= to)
        {
            throw new ArgumentException($"the range's start ({from:o}) must be before its end ({to:o})", nameof(from));
        }
    }
}
