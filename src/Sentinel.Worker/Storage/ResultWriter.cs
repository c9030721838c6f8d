using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Resilience;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Drains the result queue into the <c>results</c> table (and each check's newest into <c>check_latest</c>), in batches
/// of whatever has queued up (so one result is written at once when idle, thousands at a time under load), each result
/// once by its id however often a batch is retried. A batch that
/// fails is kept and retried with <see cref="Backoff"/>; nothing is dropped, except results whose day is already past
/// the raw retention when they are written (<see cref="ResultRetention"/>). On shutdown, what is queued is flushed.
/// </summary>
internal sealed class ResultWriter : BackgroundService
{
    private static readonly TimeSpan ShutdownFlushBudget = TimeSpan.FromSeconds(10);

    private readonly ResultPipeline _pipeline;
    private readonly NpgsqlDataSource _dataSource;
    private readonly DatabaseState _database;
    private readonly IOptions<ResultOptions> _options;
    private readonly IOptions<NodeOptions> _node;
    private readonly TimeProvider _time;
    private readonly ILogger<ResultWriter> _log;
    private readonly Counter<long> _written;
    private readonly Counter<long> _failures;
    private readonly ResiliencePipeline _retry;
    private readonly ResultPartitions _partitions = new();
    private readonly ResultRetention _retention;
    private readonly List<ProbeResult> _batch;
    private bool _failedBefore;

    public ResultWriter(
        ResultPipeline pipeline,
        NpgsqlDataSource dataSource,
        DatabaseState database,
        IOptions<ResultOptions> options,
        IOptions<NodeOptions> node,
        ResultRetention retention,
        TimeProvider time,
        Meter meter,
        ILogger<ResultWriter> log)
    {
        _pipeline = pipeline;
        _dataSource = dataSource;
        _database = database;
        _options = options;
        _node = node;
        _retention = retention;
        _time = time;
        _log = log;
        _written = meter.CreateCounter<long>("sentinel_results_written_total", description: "Results written to PostgreSQL.");
        _failures = meter.CreateCounter<long>("sentinel_result_write_failures_total", description: "Failed attempts to write a batch of results.");
        _batch = new List<ProbeResult>(options.Value.BatchSize);
        _retry = Backoff.Create(time, IsTransient, (ex, delay) =>
        {
            _failedBefore = true;
            _failures.Add(1);
            Log.ResultWriteFailed(log, _batch.Count, ex.Message, Backoff.Seconds(delay));
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _database.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (await _pipeline.Pending.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                // Each attempt tops the kept batch up with what queued meanwhile.
                await _retry.ExecuteAsync(
                    async cancellationToken =>
                    {
                        Fill(_batch);
                        await WriteAsync(_batch, cancellationToken).ConfigureAwait(false);
                    },
                    stoppingToken).ConfigureAwait(false);
                if (_failedBefore)
                {
                    Log.ResultWriteRecovered(_log, _batch.Count);
                    _failedBefore = false;
                }

                _batch.Clear();
            }
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested && (ex is OperationCanceledException || IsTransient(ex)))
        {
            await FlushOnShutdownAsync(_batch).ConfigureAwait(false);
        }
    }

    private void Fill(List<ProbeResult> batch)
    {
        while (batch.Count < _options.Value.BatchSize && _pipeline.Pending.TryRead(out var result))
        {
            batch.Add(result);
        }
    }

    private async Task FlushOnShutdownAsync(List<ProbeResult> batch)
    {
        using var budget = new CancellationTokenSource(ShutdownFlushBudget, _time);
        try
        {
            if (_database.Ready.IsCompleted)
            {
                do
                {
                    Fill(batch);
                    if (batch.Count > 0)
                    {
                        await WriteAsync(batch, budget.Token).ConfigureAwait(false);
                        batch.Clear();
                    }
                }
                while (_pipeline.Pending.Count > 0);
            }
        }
        catch (Exception ex) when (IsTransient(ex) || ex is OperationCanceledException)
        {
            // Reported below with the count.
        }

        var unwritten = batch.Count + _pipeline.Pending.Count;
        if (unwritten > 0)
        {
            Log.ResultsUnwritten(_log, unwritten);
        }
    }

    /// <summary>
    /// Writes a batch; when PostgreSQL rejects its data (not a connection problem), writes the rows one by one so
    /// that one result it cannot store does not hold back the others. Such a result is logged whole instead.
    /// </summary>
    private async Task WriteAsync(List<ProbeResult> batch, CancellationToken cancellationToken)
    {
        try
        {
            await CopyAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (!ex.IsTransient && batch.Count > 1)
        {
            foreach (var result in batch)
            {
                await WriteAsync([result], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException ex) when (!ex.IsTransient)
        {
            _failures.Add(1);
            Log.ResultRejected(_log, batch[0].CheckId, ex.MessageText, ProbeResultJson.Serialize(batch[0]));
        }
    }

    /// <summary>
    /// Writes a batch in one transaction: binary COPY into a staging table, then into <c>results</c> what is not there yet
    /// (by id), and each check's newest result into <c>check_latest</c> unless a newer one is there. A batch retried after
    /// an unknown outcome (a commit whose acknowledgement was lost) therefore adds each result once.
    /// </summary>
    private async Task CopyAsync(List<ProbeResult> batch, CancellationToken cancellationToken)
    {
        // Before the partitions: a day past retention must not be created again for them.
        _retention.RemoveExpired(batch);
        if (batch.Count == 0)
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await _partitions.EnsureAsync(connection, batch.Select(r => r.StartedAt), cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var staging = new NpgsqlCommand(StagingTable, connection, transaction))
        {
            await staging.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY results_incoming (id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message, " +
            "phases, measurements, problems, findings, details, samples, node) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            var nodeName = _node.Value.Name;
            foreach (var result in batch)
            {
                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(result.Id, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(result.CheckId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(result.StartedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(result.Duration.TotalMilliseconds, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(ProbeResultJson.Name(result.Status), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(import, result.Failure?.Layer, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(import, result.Failure?.Category, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(import, StorageText.Clean(result.Failure?.Message), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(StorageText.CleanJson(ProbeResultJson.Phases(result)), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(StorageText.CleanJson(ProbeResultJson.Measurements(result)), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(StorageText.CleanJson(ProbeResultJson.Problems(result)), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(StorageText.CleanJson(ProbeResultJson.Findings(result)), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(import, StorageText.CleanJson(ProbeResultJson.Details(result)), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(StorageText.CleanJson(ResultSamples.Json(result)), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(nodeName, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var merge = new NpgsqlCommand(MergeIntoResults + ";" + MergeIntoLatest, connection, transaction))
        {
            await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _written.Add(batch.Count);
    }

    private const string StagingTable = """
        CREATE TEMP TABLE IF NOT EXISTS results_incoming (
            id uuid NOT NULL, check_id text NOT NULL, started_at timestamptz NOT NULL, duration_ms double precision NOT NULL,
            status text NOT NULL, failure_layer text, failure_category text, failure_message text,
            phases jsonb NOT NULL, measurements jsonb NOT NULL, problems jsonb NOT NULL, findings jsonb NOT NULL,
            details jsonb, samples jsonb NOT NULL, node text NOT NULL
        ) ON COMMIT DROP
        """;

    private const string MergeIntoResults = """
        INSERT INTO results (id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                             phases, measurements, problems, findings, details, node)
        SELECT id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
               phases, measurements, problems, findings, details, node
        FROM results_incoming
        ON CONFLICT (id, started_at) DO NOTHING
        """;

    private const string MergeIntoLatest = """
        INSERT INTO check_latest AS latest (check_id, result_id, started_at, duration_ms, status, failure_layer, failure_category,
                                            failure_message, phases, measurements, problems, findings, details, samples, node, updated_at)
        SELECT DISTINCT ON (check_id) check_id, id, started_at, duration_ms, status, failure_layer, failure_category,
               failure_message, phases, measurements, problems, findings, details, samples, node, now()
        FROM results_incoming
        ORDER BY check_id, started_at DESC
        ON CONFLICT (check_id) DO UPDATE SET
            result_id = EXCLUDED.result_id, started_at = EXCLUDED.started_at, duration_ms = EXCLUDED.duration_ms,
            status = EXCLUDED.status, failure_layer = EXCLUDED.failure_layer, failure_category = EXCLUDED.failure_category,
            failure_message = EXCLUDED.failure_message, phases = EXCLUDED.phases, measurements = EXCLUDED.measurements,
            problems = EXCLUDED.problems, findings = EXCLUDED.findings, details = EXCLUDED.details,
            samples = EXCLUDED.samples, node = EXCLUDED.node, updated_at = EXCLUDED.updated_at
        WHERE latest.started_at < EXCLUDED.started_at
        """;

    private static Task WriteNullableAsync(NpgsqlBinaryImporter import, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, type, cancellationToken);

    private static bool IsTransient(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or TimeoutException }
            or TimeoutException or System.Net.Sockets.SocketException or IOException
            || (ex is NpgsqlException && ex is not PostgresException);
}
