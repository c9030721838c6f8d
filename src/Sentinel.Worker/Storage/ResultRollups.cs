using Microsoft.Extensions.Options;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// One incremental rollup round (run by <see cref="StorageMaintenance"/> under its lock). Raw rows are never rescanned
/// wholesale: the round takes the rows that arrived since the last one — by <c>ingested_at</c>, from the watermark in
/// <c>rollup_progress</c> up to the clock minus <see cref="StorageOptions.RollupMargin"/> — and finds the (check, minute)
/// buckets they fall into. It computes exactly those minutes again from all their raw rows and upserts them, and notes
/// their hours in <c>rollup_pending_hours</c>. An hour is computed from its raw rows once it is settled
/// (<see cref="HistoryPlan.SettledHour"/>), so once rather than in every round while it fills. A row replayed late,
/// after an outage, re-rolls its old minute and hour however old its start time is. Buckets past their rollup's
/// retention are skipped, so a round never writes into a partition that maintenance dropped.
/// </summary>
/// <remarks>
/// <para>
/// Why the margin: <c>ingested_at</c> is the start of the writing transaction (PostgreSQL's <c>now()</c>), and the rows
/// become visible only when it commits. A watermark moved up to the present could pass the <c>ingested_at</c> of rows
/// whose transaction is still open; they would show up later behind the watermark and never be rolled up. Stopping a
/// margin short (1 min by default, against writes of milliseconds to seconds) leaves them to the next round. The clock
/// is the earlier of this node's and the database's, since <c>ingested_at</c> comes from the database's.
/// </para>
/// <para>
/// Work is done in transactions of about 10,000 minutes or 2,000 hours each, each moving its watermark, so that a round after a long outage (millions of replayed results) goes forward
/// step by step instead of running one statement past any timeout and starting again from scratch every round.
/// </para>
/// </remarks>
/// <param name="options">The margin, and the retention of each rollup.</param>
/// <param name="time">The clock the round's length is measured with.</param>
/// <param name="minutesPerTransaction">(check, minute) buckets computed in one transaction: a few seconds of work.</param>
/// <param name="hoursPerTransaction">(check, hour) buckets computed in one transaction: up to 60 raw rows each for a 60 s check.</param>
internal sealed class ResultRollups(IOptions<StorageOptions> options, TimeProvider time, int minutesPerTransaction = 10_000, int hoursPerTransaction = 2_000)
{

    /// <summary>
    /// How long one statement of a round may take: finding what arrived after a long outage reads every row replayed.
    /// The transactions are sized to take seconds.
    /// </summary>
    private const int StatementTimeoutSeconds = 600;

    /// <summary>
    /// Runs one round on <paramref name="connection"/> at <paramref name="now"/>. Each transaction recomputes its buckets
    /// and moves its watermark together, so a round that fails is taken up where it stopped by the next.
    /// </summary>
    public async Task<RollupRound> RunAsync(NpgsqlConnection connection, DateTimeOffset now, RetentionHorizons horizons, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        DateTimeOffset from, upTo;
        await using (var progress = Command(connection, "SELECT ingested_before, least($1, now()) - $2 FROM rollup_progress", now.ToUniversalTime(), options.Value.RollupMargin))
        {
            await using var reader = await progress.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            from = reader.GetFieldValue<DateTimeOffset>(0);
            upTo = reader.GetFieldValue<DateTimeOffset>(1);
        }

        if (upTo <= from)
        {
            return new RollupRound(from, from, 0, 0, 0, 0, time.GetElapsedTime(started));
        }

        try
        {
            var (minutes, minuteRows) = await RollUpMinutesAsync(connection, from, upTo, horizons, cancellationToken).ConfigureAwait(false);
            var (hours, hourRows) = await RollUpHoursAsync(connection, HistoryPlan.SettledHour(upTo), horizons, cancellationToken).ConfigureAwait(false);
            return new RollupRound(from, upTo, minutes, minuteRows, hours, hourRows, time.GetElapsedTime(started));
        }
        finally
        {
            await using var drop = Command(connection, "DROP TABLE IF EXISTS pg_temp.rollup_touched");
            await drop.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Computes the minutes touched by the rows ingested in [<paramref name="from"/>, <paramref name="upTo"/>), in
    /// transactions of about <c>minutesPerTransaction</c>, ordered by when each minute's first row arrived: once a
    /// transaction has computed every minute whose first row arrived before some instant, every row that arrived before
    /// it is rolled up, and the watermark moves there. Returns the minutes touched and the rows written.
    /// </summary>
    private async Task<(int Minutes, int Rows)> RollUpMinutesAsync(
        NpgsqlConnection connection, DateTimeOffset from, DateTimeOffset upTo, RetentionHorizons horizons, CancellationToken cancellationToken)
    {
        var touched = await FindTouchedAsync(connection, from, upTo, cancellationToken).ConfigureAwait(false);
        await CreatePartitionsAsync(connection, horizons, cancellationToken).ConfigureAwait(false);
        var starts = new List<DateTimeOffset>();
        await using (var boundaries = Command(connection,
            """
            SELECT DISTINCT first_in
            FROM (SELECT first_in, row_number() OVER (ORDER BY first_in) AS n FROM rollup_touched) AS ordered
            WHERE (n - 1) % $1 = 0
            ORDER BY first_in
            """, minutesPerTransaction))
        {
            await using var reader = await boundaries.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                starts.Add(reader.GetFieldValue<DateTimeOffset>(0));
            }
        }

        // With nothing touched, one transaction still moves the watermark.
        var rows = 0;
        for (var i = 0; i == 0 || i < starts.Count; i++)
        {
            var (chunkFrom, chunkTo) = (i < starts.Count ? starts[i] : from, i + 1 < starts.Count ? starts[i + 1] : upTo);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Step(PendHours, horizons.Hour, chunkFrom, chunkTo),
                    Step(UpsertMinutes, horizons.Minute, chunkFrom, chunkTo),
                    Step("UPDATE rollup_progress SET ingested_before = $1, rolled_at = now()", chunkTo),
                },
                Timeout = StatementTimeoutSeconds,
            };
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            rows += batch.BatchCommands[1].RecordsAffected;
        }

        return (touched, rows);
    }

    /// <summary>
    /// Computes the pending hours that end before <paramref name="settledHour"/>, <c>hoursPerTransaction</c> at a
    /// time, and then records that hour buckets are complete up to it. Returns the hours taken and the rows written.
    /// </summary>
    private async Task<(int Hours, int Rows)> RollUpHoursAsync(
        NpgsqlConnection connection, DateTimeOffset settledHour, RetentionHorizons horizons, CancellationToken cancellationToken)
    {
        var (hours, rows) = (0, 0);
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Step(UpsertSettledHours, horizons.Hour, settledHour, hoursPerTransaction),
                    Step(
                        """
                        UPDATE rollup_progress SET hours_before = greatest(hours_before, $1)
                        WHERE NOT EXISTS (SELECT FROM rollup_pending_hours WHERE hour < $1)
                        """, settledHour),
                },
                Timeout = StatementTimeoutSeconds,
            };
            int taken;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                taken = (int)reader.GetInt64(0);
                rows += (int)reader.GetInt64(1);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            hours += taken;
            if (taken < hoursPerTransaction)
            {
                return (hours, rows);
            }
        }
    }

    /// <summary>
    /// Collects the (check, minute) pairs of the rows ingested in [<paramref name="from"/>, <paramref name="upTo"/>), with
    /// when the first of them arrived, into the connection's temporary table <c>rollup_touched</c>; returns how many.
    /// The BRIN index on <c>ingested_at</c> keeps this to the recently written blocks of each partition (plus, after an
    /// outage, wherever replayed rows went).
    /// </summary>
    private static async Task<int> FindTouchedAsync(NpgsqlConnection connection, DateTimeOffset from, DateTimeOffset upTo, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Step("DROP TABLE IF EXISTS pg_temp.rollup_touched"),
                Step("CREATE TEMP TABLE rollup_touched (check_id text NOT NULL, minute timestamptz NOT NULL, first_in timestamptz NOT NULL)"),
                Step(
                    """
                    INSERT INTO rollup_touched
                    SELECT check_id, date_trunc('minute', started_at, 'UTC'), min(ingested_at)
                    FROM results
                    WHERE ingested_at >= $1 AND ingested_at < $2 AND isfinite(started_at)
                    GROUP BY 1, 2
                    """, from, upTo),
                Step("CREATE INDEX ON rollup_touched (first_in)"),
                Step("ANALYZE rollup_touched"),
            },
            Timeout = StatementTimeoutSeconds,
        };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[2].RecordsAffected;
    }

    /// <summary>Makes the rollup partitions of the touched days and months that retention keeps and that do not exist yet.</summary>
    private static async Task CreatePartitionsAsync(NpgsqlConnection connection, RetentionHorizons horizons, CancellationToken cancellationToken)
    {
        var wanted = new List<HistoryPartition>();
        await using (var command = Command(connection,
            "SELECT DISTINCT date_trunc('day', minute, 'UTC'), date_trunc('month', minute, 'UTC') FROM rollup_touched"))
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

        // Outside the round's transactions: making a partition locks its parent until the transaction ends.
        foreach (var partition in wanted.Distinct())
        {
            await StoragePartitions.CreateAsync(connection, partition, cancellationToken).ConfigureAwait(false);
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = StatementTimeoutSeconds };
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }

    private static NpgsqlBatchCommand Step(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }

    // The hours of a transaction's minutes wait in rollup_pending_hours until they are settled.
    private const string PendHours = """
        INSERT INTO rollup_pending_hours (check_id, hour)
        SELECT DISTINCT check_id, date_trunc('hour', minute, 'UTC') FROM rollup_touched
        WHERE first_in >= $2 AND first_in < $3 AND date_trunc('hour', minute, 'UTC') >= $1
        ON CONFLICT DO NOTHING
        """;

    // Each touched bucket is aggregated on its own (a lateral subquery per bucket, which PostgreSQL cannot flatten into
    // one big join): a range scan of one check's index in the one partition the bucket's day is in, and a sort of a few
    // dozen rows in memory. As one join, the planner would rather hash-join every partition of results and sort all
    // the rows together, which grows with the table instead of with the round.
    private static readonly string UpsertMinutes = RollupSql.Upsert("rollups_minute", $"""
        SELECT bucket.* FROM rollup_touched t
        CROSS JOIN LATERAL ({RollupSql.Aggregate("t.minute", "results r",
            "r.check_id = t.check_id AND r.started_at >= t.minute AND r.started_at < t.minute + interval '1 minute'")}) AS bucket
        WHERE t.first_in >= $2 AND t.first_in < $3 AND t.minute >= $1
        """);

    // Takes settled hours out of rollup_pending_hours, oldest first, and upserts those retention keeps; answers how many
    // it took and how many rows changed.
    private static readonly string UpsertSettledHours = $"""
        WITH taken AS (
            DELETE FROM rollup_pending_hours p
            USING (SELECT check_id, hour FROM rollup_pending_hours WHERE hour < $2 ORDER BY hour, check_id LIMIT $3) AS chunk
            WHERE p.check_id = chunk.check_id AND p.hour = chunk.hour
            RETURNING p.check_id, p.hour
        ), written AS (
            {RollupSql.Upsert("rollups_hour", $"""
                SELECT bucket.* FROM taken t
                CROSS JOIN LATERAL ({RollupSql.Aggregate("t.hour", "results r",
                    "r.check_id = t.check_id AND r.started_at >= t.hour AND r.started_at < t.hour + interval '1 hour'")}) AS bucket
                WHERE t.hour >= $1
                """)}
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM written)
        """;
}

/// <summary>What one rollup round did.</summary>
/// <param name="From">The watermark it started from: rows ingested from here on were considered.</param>
/// <param name="To">The watermark it left: rows ingested before it are rolled up.</param>
/// <param name="Minutes">(check, minute) buckets touched by the rows that arrived.</param>
/// <param name="MinuteRows">Minute rollup rows inserted or changed.</param>
/// <param name="Hours">(check, hour) buckets computed, now that they are settled.</param>
/// <param name="HourRows">Hour rollup rows inserted or changed.</param>
/// <param name="Elapsed">How long the round took.</param>
internal sealed record RollupRound(DateTimeOffset From, DateTimeOffset To, int Minutes, int MinuteRows, int Hours, int HourRows, TimeSpan Elapsed);
