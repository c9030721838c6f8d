using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Writes one batch of result rows to PostgreSQL in one transaction: binary COPY straight into <c>results</c>, then each
/// check's newest row into <c>check_latest</c> unless a newer one is there. A batch written again — retried after a
/// commit whose acknowledgement was lost, or replayed from the spill file after a crash — fails that COPY on the ids
/// stored already (the primary key); it is then written through a staging table, which adds to <c>results</c> only what
/// is not there yet. Each result is thus stored once, and a check's latest state is never set back. With a
/// <paramref name="retention"/>, results whose day is already past the raw retention are left out (<see cref="ResultRetention"/>).
/// </summary>
internal sealed class ResultBatchWriter(
    NpgsqlDataSource dataSource, ResultStorageMetrics metrics, TimeProvider time, TimeSpan timeout, ILogger log, ResultRetention? retention = null) : IAsyncDisposable
{
    private readonly ResultPartitions _partitions = new();

    /// <summary>One write at a time on the writer's connection: the drain loop's, the replay's and the shutdown flush's.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// The writer's own connection, kept between batches with its staging table, so that a batch costs neither a pool
    /// checkout (with its session reset, which drops temporary tables) nor creating and dropping the table in the catalog.
    /// Closed after any failure; the next batch opens a new one.
    /// </summary>
    private NpgsqlConnection? _connection;

    /// <summary>
    /// Writes <paramref name="batch"/>. When PostgreSQL rejects its data (not a connection problem), the rows are written
    /// one by one so that one row it cannot store does not hold back the others; such a row is logged whole and counted.
    /// </summary>
    /// <exception cref="TimeoutException">The write took longer than the timeout (a database that hangs).</exception>
    /// <exception cref="NpgsqlException">PostgreSQL is unreachable or failed (see <see cref="IsTransient"/>).</exception>
    public async Task WriteAsync(IReadOnlyList<ResultRow> batch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var timer = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await WriteOrSplitAsync(batch, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException && timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"writing {batch.Count} results took longer than {timeout.TotalSeconds:0.#} s", ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    /// <summary>Whether a failure is the database's being away or slow, to be waited out, rather than the data's.</summary>
    public static bool IsTransient(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or TimeoutException }
            or TimeoutException or System.Net.Sockets.SocketException or IOException
            || (ex is NpgsqlException && ex is not PostgresException);

    /// <summary>
    /// A failure in one line for logs and <c>/readyz</c>: Npgsql's own message ("Exception while writing to stream") with
    /// the cause it wraps ("Broken pipe", "No such file or directory"), which says what happened.
    /// </summary>
    public static string Describe(Exception ex) =>
        ex.InnerException is { } inner && !ex.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{ex.Message}: {inner.Message}" : ex.Message;

    private async Task WriteOrSplitAsync(IReadOnlyList<ResultRow> batch, CancellationToken cancellationToken)
    {
        try
        {
            await WriteOnceAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRejection(ex) && batch.Count > 1)
        {
            foreach (var row in batch)
            {
                await WriteOrSplitAsync([row], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsRejection(ex))
        {
            metrics.Rejected(1);
            Log.ResultRejected(log, batch[0].CheckId, ex is PostgresException pg ? pg.MessageText : ex.Message, Spilled(batch[0]));
        }
    }

    private async Task WriteOnceAsync(IReadOnlyList<ResultRow> batch, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
            await CopyAsync(connection, batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Whatever failed, the session may be broken or mid-transaction: the next attempt starts on a new one.
            await CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        await CloseAsync().ConfigureAwait(false);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var staging = new NpgsqlCommand(StagingTable, connection);
            await staging.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return _connection = connection;
    }

    private async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// PostgreSQL refused the data, or Npgsql could not encode it (text that is not valid Unicode, read back from a
    /// damaged spill file): the rows, not the database, are at fault.
    /// </summary>
    private static bool IsRejection(Exception ex) => ex is PostgresException { IsTransient: false } or ArgumentException or InvalidCastException;

    private async Task CopyAsync(NpgsqlConnection connection, IReadOnlyList<ResultRow> batch, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();

        // Before the partitions: a day past retention must not be made again for them.
        IReadOnlyList<ResultRow> expired = [];
        batch = retention?.Kept(batch, out expired) ?? batch;
        if (batch.Count == 0)
        {
            retention?.Report(expired);
            return;
        }

        await _partitions.EnsureAsync(connection, batch.Select(r => r.StartedAt), cancellationToken).ConfigureAwait(false);
        var latest = Latest(batch);
        try
        {
            await WriteTransactionAsync(connection, batch, latest, direct: true, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Some of the batch is stored already (written again after a lost commit acknowledgement, or replayed after
            // a crash): the transaction is rolled back, and the batch goes through the staging table, which adds what
            // is not there yet.
            await WriteTransactionAsync(connection, batch, latest, direct: false, cancellationToken).ConfigureAwait(false);
        }

        metrics.Written(batch.Count, time.GetElapsedTime(started));
        retention?.Report(expired);
    }

    /// <summary>
    /// One transaction: the rows into <c>results</c> — <paramref name="direct"/>ly by COPY, which fails on an id stored
    /// already, or through the staging table, skipping those — then each check's newest row into <c>check_latest</c>.
    /// </summary>
    private static async Task WriteTransactionAsync(
        NpgsqlConnection connection, IReadOnlyList<ResultRow> batch, IReadOnlyList<(ResultRow Row, StatusRun Run)> latest, bool direct, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await CopyResultsAsync(connection, direct ? "results" : "results_incoming", batch, cancellationToken).ConfigureAwait(false);
        await CopyLatestAsync(connection, latest, cancellationToken).ConfigureAwait(false);
        await using (var merge = new NpgsqlBatch(connection, transaction))
        {
            merge.BatchCommands.Add(direct ? Notify(batch) : new NpgsqlBatchCommand(MergeIntoResults));
            merge.BatchCommands.Add(new NpgsqlBatchCommand(MergeIntoLatest));
            await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The notification of each row of <paramref name="batch"/>, copied into <c>results</c> by this transaction.</summary>
    private static NpgsqlBatchCommand Notify(IReadOnlyList<ResultRow> batch)
    {
        var command = new NpgsqlBatchCommand(NotifyStored);
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.CheckId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.Status).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.StartedAt.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.DurationMs).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.FailureCategory).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.Node).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return command;
    }

    private static async Task CopyResultsAsync(NpgsqlConnection connection, string table, IReadOnlyList<ResultRow> batch, CancellationToken cancellationToken)
    {
        await using var import = await connection.BeginBinaryImportAsync(
            $"COPY {table} ({RunColumns}, phases, measurements, problems, findings, details, node, scheduled_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        foreach (var row in batch)
        {
            await WriteRunAsync(import, row, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Phases, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Measurements, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Problems, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Findings, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(import, row.Details, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Node, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(import, row.ScheduledAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        }

        await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Each check's newest row of the batch, with since when its status holds as far as the batch tells.</summary>
    private static List<(ResultRow Row, StatusRun Run)> Latest(IReadOnlyList<ResultRow> batch)
    {
        var runs = StatusRuns.Of(batch);
        var latest = new List<(ResultRow, StatusRun)>(runs.Count);
        foreach (var row in batch)
        {
            // Removed when taken: a row twice in the batch (replayed twice) is one check's newest once.
            if (runs.Remove(row.Id, out var run))
            {
                latest.Add((row, run));
            }
        }

        return latest;
    }

    private static async Task CopyLatestAsync(NpgsqlConnection connection, IReadOnlyList<(ResultRow Row, StatusRun Run)> latest, CancellationToken cancellationToken)
    {
        await using var import = await connection.BeginBinaryImportAsync(
            $"COPY latest_incoming ({RunColumns}, samples, node, status_since, continues) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        foreach (var (row, run) in latest)
        {
            await WriteRunAsync(import, row, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Samples, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Node, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(run.Since.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(run.Continues, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
        }

        await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A row as the spill file holds it: what a log line shows of a row PostgreSQL refused.</summary>
    private static string Spilled(ResultRow row) => System.Text.Json.JsonSerializer.Serialize(row, ResultRowJson.Default.ResultRow);

    /// <summary>
    /// The staging tables of the writer's session: a batch's rows for <see cref="MergeIntoResults"/>, and each check's
    /// newest row of the batch for <see cref="MergeIntoLatest"/>. Emptied by each commit or rollback.
    /// </summary>
    private const string StagingTable = """
        CREATE TEMP TABLE IF NOT EXISTS results_incoming (
            id uuid NOT NULL, check_id text NOT NULL, started_at timestamptz NOT NULL, duration_ms double precision NOT NULL,
            status text NOT NULL, failure_layer text, failure_category text, failure_message text,
            phases jsonb NOT NULL, measurements jsonb NOT NULL, problems jsonb NOT NULL, findings jsonb NOT NULL,
            details jsonb, node text NOT NULL, scheduled_at timestamptz
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS latest_incoming (
            check_id text NOT NULL, id uuid NOT NULL, started_at timestamptz NOT NULL, duration_ms double precision NOT NULL,
            status text NOT NULL, failure_layer text, failure_category text, failure_message text,
            samples jsonb NOT NULL, node text NOT NULL, status_since timestamptz NOT NULL, continues boolean NOT NULL
        ) ON COMMIT DELETE ROWS
        """;

    /// <summary>
    /// What the rows of <c>results_incoming</c> add to <c>results</c>, each announced as <see cref="NotifyStored"/> does:
    /// the rows stored already were announced when they were stored.
    /// </summary>
    private const string MergeIntoResults = $$"""
        WITH stored AS (
            INSERT INTO results (id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                                 phases, measurements, problems, findings, details, node, scheduled_at)
            SELECT id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                   phases, measurements, problems, findings, details, node, scheduled_at
            FROM results_incoming
            ON CONFLICT (id, started_at) DO NOTHING
            RETURNING id, check_id, status, started_at, duration_ms, failure_category, node)
        {{AnnounceEach}}
        FROM stored
        """;

    /// <summary>
    /// A notification on <see cref="NotificationListener.ResultsChannel"/> for each result of the batch, in its order,
    /// delivered when the transaction commits, so that every node's event stream carries every result whichever node
    /// stored it. One call per result in the writer's statement, rather than a row trigger on <c>results</c> (as
    /// migration 0007 had it), whose machinery cost PostgreSQL more than the notification (migration 0011).
    /// </summary>
    private const string NotifyStored = $$"""
        {{AnnounceEach}}
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::float8[], $6::text[], $7::text[])
             AS stored (id, check_id, status, started_at, duration_ms, failure_category, node)
        """;

    /// <summary>
    /// The notification of each row selected (<c>id, check_id, status, started_at, duration_ms, failure_category, node</c>),
    /// with the payload migration 0007 defined, and their count.
    /// </summary>
    private const string AnnounceEach = $$"""
        SELECT count(pg_notify('{{NotificationListener.ResultsChannel}}', json_build_object(
            'id', id, 'check', check_id, 'status', status, 'startedAt', started_at,
            'durationMs', duration_ms, 'category', failure_category, 'node', node)::text))
        """;

    /// <summary>
    /// Each check's newest row of the batch, unless a newer one is stored. Its <c>status_since</c> carries the stored one
    /// over when the status did not change, in the batch or since the stored row (<see cref="StatusRuns"/>).
    /// </summary>
    private const string MergeIntoLatest = """
        INSERT INTO check_latest AS latest (check_id, result_id, started_at, duration_ms, status, failure_layer, failure_category,
                                            failure_message, samples, node, updated_at, status_since)
        SELECT i.check_id, i.id, i.started_at, i.duration_ms, i.status, i.failure_layer, i.failure_category,
               i.failure_message, i.samples, i.node, now(),
               CASE WHEN i.continues AND s.status = i.status AND s.started_at < i.started_at THEN coalesce(s.status_since, s.started_at) ELSE i.status_since END
        FROM latest_incoming i
        LEFT JOIN check_latest s ON s.check_id = i.check_id
        ON CONFLICT (check_id) DO UPDATE SET
            result_id = EXCLUDED.result_id, started_at = EXCLUDED.started_at, duration_ms = EXCLUDED.duration_ms,
            status = EXCLUDED.status, failure_layer = EXCLUDED.failure_layer, failure_category = EXCLUDED.failure_category,
            failure_message = EXCLUDED.failure_message, samples = EXCLUDED.samples, node = EXCLUDED.node,
            updated_at = EXCLUDED.updated_at, status_since = EXCLUDED.status_since
        WHERE latest.started_at < EXCLUDED.started_at
        """;

    /// <summary>The columns every COPY of the writer begins with, as <see cref="WriteRunAsync"/> writes them.</summary>
    private const string RunColumns = "id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message";

    /// <summary>Starts a COPY row with <see cref="RunColumns"/>, in that order.</summary>
    private static async Task WriteRunAsync(NpgsqlBinaryImporter import, ResultRow row, CancellationToken cancellationToken)
    {
        await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(row.Id, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(row.CheckId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(row.StartedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(row.DurationMs, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(row.Status, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await WriteNullableAsync(import, row.FailureLayer, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await WriteNullableAsync(import, row.FailureCategory, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await WriteNullableAsync(import, row.FailureMessage, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter import, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, type, cancellationToken);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter import, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where T : struct =>
        value is { } present ? import.WriteAsync(present, type, cancellationToken) : import.WriteNullAsync(cancellationToken);
}
