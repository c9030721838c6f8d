using Microsoft.Extensions.Options;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// One incremental rollup round (run by <see cref="StorageMaintenance"/> under its lock). Raw rows are never rescanned
/// wholesale: the round takes the rows that arrived since the last one — by <c>ingested_at</c>, from the watermark in
/// <c>rollup_progress</c> up to the clock minus <see cref="StorageOptions.RollupMargin"/> — finds the (check, minute)
/// and (check, hour) buckets they fall into, and computes exactly those buckets again from all their raw rows (a minute
/// of one check is a handful of rows; an hour at most a few thousand), upserting them. A row replayed late, after an
/// outage, thus re-rolls its old buckets however old its start time is. Buckets past their rollup's retention are
/// skipped, so a round never writes into a partition that maintenance dropped.
/// </summary>
/// <remarks>
/// Why the margin: <c>ingested_at</c> is the start of the writing transaction (PostgreSQL's <c>now()</c>), and the rows
/// become visible only when it commits. A watermark moved up to the present could pass the <c>ingested_at</c> of rows
/// whose transaction is still open; they would show up later behind the watermark and never be rolled up. Stopping a
/// margin short (1 min by default, against writes of milliseconds to seconds) leaves them to the next round. The clock
/// is the earlier of this node's and the database's, since <c>ingested_at</c> comes from the database's.
/// </remarks>
internal sealed class ResultRollups(IOptions<StorageOptions> options, TimeProvider time)
{
    /// <summary>
    /// Runs one round on <paramref name="connection"/> at <paramref name="now"/>: the touched buckets are recomputed and
    /// the watermark moved in one transaction, so a round that fails is simply done again by the next.
    /// </summary>
    public async Task<RollupRound> RunAsync(NpgsqlConnection connection, DateTimeOffset now, RetentionHorizons horizons, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        DateTimeOffset from, upTo;
        await using (var progress = new NpgsqlCommand("SELECT ingested_before, least($1, now()) - $2 FROM rollup_progress", connection))
        {
            progress.Parameters.AddWithValue(now.ToUniversalTime());
            progress.Parameters.AddWithValue(options.Value.RollupMargin);
            await using var reader = await progress.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            from = reader.GetFieldValue<DateTimeOffset>(0);
            upTo = reader.GetFieldValue<DateTimeOffset>(1);
        }

        if (upTo <= from)
        {
            return new RollupRound(from, from, 0, 0, 0, time.GetElapsedTime(started));
        }

        var touched = await FindTouchedAsync(connection, from, upTo, cancellationToken).ConfigureAwait(false);
        try
        {
            await CreatePartitionsAsync(connection, horizons, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand(UpsertMinutes) { Parameters = { new() { Value = horizons.Minute } } },
                    new NpgsqlBatchCommand(UpsertHours) { Parameters = { new() { Value = horizons.Hour } } },
                    new NpgsqlBatchCommand("UPDATE rollup_progress SET ingested_before = $1, rolled_at = now()") { Parameters = { new() { Value = upTo } } },
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new RollupRound(from, upTo, touched, batch.BatchCommands[0].RecordsAffected, batch.BatchCommands[1].RecordsAffected,
                time.GetElapsedTime(started));
        }
        finally
        {
            await using var drop = new NpgsqlCommand("DROP TABLE IF EXISTS pg_temp.rollup_touched", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Collects the (check, minute) pairs of the rows ingested in [<paramref name="from"/>, <paramref name="upTo"/>) into
    /// the session's temporary table <c>rollup_touched</c>; returns how many. The BRIN index on <c>ingested_at</c> keeps
    /// this to the recently written blocks of each partition (plus, after an outage, wherever replayed rows went).
    /// </summary>
    private static async Task<int> FindTouchedAsync(NpgsqlConnection connection, DateTimeOffset from, DateTimeOffset upTo, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("DROP TABLE IF EXISTS pg_temp.rollup_touched"),
                new NpgsqlBatchCommand("CREATE TEMP TABLE rollup_touched (check_id text NOT NULL, minute timestamptz NOT NULL)"),
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO rollup_touched
                    SELECT DISTINCT check_id, date_trunc('minute', started_at, 'UTC')
                    FROM results
                    WHERE ingested_at >= $1 AND ingested_at < $2 AND isfinite(started_at)
                    """)
                {
                    Parameters = { new() { Value = from }, new() { Value = upTo } },
                },
                new NpgsqlBatchCommand("ANALYZE rollup_touched"),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[2].RecordsAffected;
    }

    /// <summary>Makes the rollup partitions of the touched days and months that retention keeps and that do not exist yet.</summary>
    private static async Task CreatePartitionsAsync(NpgsqlConnection connection, RetentionHorizons horizons, CancellationToken cancellationToken)
    {
        var wanted = new List<HistoryPartition>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT DISTINCT date_trunc('day', minute, 'UTC'), date_trunc('month', minute, 'UTC') FROM rollup_touched
            """, connection))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var day = reader.GetFieldValue<DateTimeOffset>(0);
                var month = reader.GetFieldValue<DateTimeOffset>(1);
                if (day >= horizons.Minute)
                {
                    wanted.Add(new HistoryPartition(HistoryTable.MinuteRollups, day));
                }

                if (month >= horizons.Hour)
                {
                    wanted.Add(new HistoryPartition(HistoryTable.HourRollups, month));
                }
            }
        }

        // Outside the round's transaction: making a partition locks its parent until the transaction ends.
        foreach (var partition in wanted.Distinct())
        {
            await StoragePartitions.CreateAsync(connection, partition, cancellationToken).ConfigureAwait(false);
        }
    }

    // Each touched bucket is aggregated on its own (a lateral subquery per bucket, which PostgreSQL cannot flatten into
    // one big join): a range scan of one check's index in the one partition the bucket's day is in, and a sort of a few
    // dozen rows in memory. As one join, the planner would rather hash-join every partition of results and sort all
    // the rows together, which grows with the table instead of with the round.
    private static readonly string UpsertMinutes = RollupSql.Upsert("rollups_minute", $"""
        SELECT bucket.* FROM rollup_touched t
        CROSS JOIN LATERAL ({RollupSql.Aggregate("t.minute", "results r",
            "r.check_id = t.check_id AND r.started_at >= t.minute AND r.started_at < t.minute + interval '1 minute'")}) AS bucket
        WHERE t.minute >= $1
        """);

    private static readonly string UpsertHours = RollupSql.Upsert("rollups_hour", $"""
        SELECT bucket.* FROM (SELECT DISTINCT check_id, date_trunc('hour', minute, 'UTC') AS hour FROM rollup_touched) t
        CROSS JOIN LATERAL ({RollupSql.Aggregate("t.hour", "results r",
            "r.check_id = t.check_id AND r.started_at >= t.hour AND r.started_at < t.hour + interval '1 hour'")}) AS bucket
        WHERE t.hour >= $1
        """);
}

/// <summary>What one rollup round did.</summary>
/// <param name="From">The watermark it started from: rows ingested from here on were considered.</param>
/// <param name="To">The watermark it left: rows ingested before it are rolled up.</param>
/// <param name="Minutes">(check, minute) buckets touched by the rows that arrived.</param>
/// <param name="MinuteRows">Minute rollup rows inserted or changed.</param>
/// <param name="HourRows">Hour rollup rows inserted or changed.</param>
/// <param name="Elapsed">How long the round took.</param>
internal sealed record RollupRound(DateTimeOffset From, DateTimeOffset To, int Minutes, int MinuteRows, int HourRows, TimeSpan Elapsed);
