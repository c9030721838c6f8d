using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Drains the result queue into the <c>results</c> table with binary COPY, in batches of whatever has
/// queued up (so one result is written at once when idle, thousands at a time under load). A batch that
/// fails is kept and retried with backoff; nothing is dropped. On shutdown, what is queued is flushed.
/// </summary>
internal sealed class ResultWriter(
    ResultPipeline pipeline,
    NpgsqlDataSource dataSource,
    DatabaseState database,
    IOptions<ResultOptions> options,
    IOptions<NodeOptions> node,
    TimeProvider time,
    Meter meter,
    ILogger<ResultWriter> log) : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ShutdownFlushBudget = TimeSpan.FromSeconds(10);

    private readonly Counter<long> _written = meter.CreateCounter<long>("sentinel_results_written_total", description: "Results written to PostgreSQL.");
    private readonly Counter<long> _failures = meter.CreateCounter<long>("sentinel_result_write_failures_total", description: "Failed attempts to write a batch of results.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ProbeResult>(options.Value.BatchSize);
        try
        {
            await database.WaitAsync(stoppingToken).ConfigureAwait(false);
            var delay = TimeSpan.FromSeconds(1);
            var failedBefore = false;
            while (true)
            {
                if (batch.Count == 0 && !await pipeline.Pending.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
                {
                    return;
                }

                Fill(batch);
                try
                {
                    await WriteAsync(batch, stoppingToken).ConfigureAwait(false);
                    if (failedBefore)
                    {
                        Log.ResultWriteRecovered(log, batch.Count);
                        failedBefore = false;
                    }

                    batch.Clear();
                    delay = TimeSpan.FromSeconds(1);
                }
                catch (Exception ex) when (IsTransient(ex) && !stoppingToken.IsCancellationRequested)
                {
                    failedBefore = true;
                    _failures.Add(1);
                    Log.ResultWriteFailed(log, batch.Count, ex.Message, delay.TotalSeconds);
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await FlushOnShutdownAsync(batch).ConfigureAwait(false);
        }
    }

    private void Fill(List<ProbeResult> batch)
    {
        while (batch.Count < options.Value.BatchSize && pipeline.Pending.TryRead(out var result))
        {
            batch.Add(result);
        }
    }

    private async Task FlushOnShutdownAsync(List<ProbeResult> batch)
    {
        using var budget = new CancellationTokenSource(ShutdownFlushBudget, time);
        try
        {
            if (database.Ready.IsCompleted)
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
                while (pipeline.Pending.Count > 0);
            }
        }
        catch (Exception ex) when (IsTransient(ex) || ex is OperationCanceledException)
        {
            // Reported below with the count.
        }

        var unwritten = batch.Count + pipeline.Pending.Count;
        if (unwritten > 0)
        {
            Log.ResultsUnwritten(log, unwritten);
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
            Log.ResultRejected(log, batch[0].CheckId, ex.MessageText, ProbeResultJson.Serialize(batch[0]));
        }
    }

    private async Task CopyAsync(List<ProbeResult> batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY results (check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message, " +
            "phases, measurements, problems, findings, details, node) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        var nodeName = node.Value.Name;
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
