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
/// Drains the result queue into the <c>results</c> table with binary COPY, in batches of whatever has
/// queued up (so one result is written at once when idle, thousands at a time under load). A batch that
/// fails is kept and retried with <see cref="Backoff"/>; nothing is dropped. On shutdown, what is queued is flushed.
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
    private readonly List<ProbeResult> _batch;
    private bool _failedBefore;

    public ResultWriter(
        ResultPipeline pipeline,
        NpgsqlDataSource dataSource,
        DatabaseState database,
        IOptions<ResultOptions> options,
        IOptions<NodeOptions> node,
        TimeProvider time,
        Meter meter,
        ILogger<ResultWriter> log)
    {
        _pipeline = pipeline;
        _dataSource = dataSource;
        _database = database;
        _options = options;
        _node = node;
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

    private async Task CopyAsync(List<ProbeResult> batch, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY results (check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message, " +
            "phases, measurements, problems, findings, details, node) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        var nodeName = _node.Value.Name;
        foreach (var result in batch)
        {
            await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
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
            await import.WriteAsync(nodeName, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }

        await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        _written.Add(batch.Count);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter import, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, type, cancellationToken);

    private static bool IsTransient(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or TimeoutException }
            or TimeoutException or System.Net.Sockets.SocketException or IOException
            || (ex is NpgsqlException && ex is not PostgresException);
}
