using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Drains the result buffer: each batch of whatever has queued up (one result when idle, thousands under load) goes to
/// PostgreSQL (<see cref="ResultBatchWriter"/>) while it takes them, and to the spill file (<see cref="ResultSpill"/>)
/// from the first failure until the spill is empty again, so that results stay in order and probing never waits for
/// the database. <see cref="ResultReplay"/> writes the spill back, with <see cref="Resilience.Backoff"/>, when
/// PostgreSQL is back — and at start-up, what an earlier run left.
/// </summary>
/// <remarks>
/// On shutdown (SIGTERM), what is in memory is written within <see cref="ShutdownFlushBudget"/> if PostgreSQL takes
/// it, and spilled otherwise: nothing is left to the floor. That is done in <see cref="StopAsync"/>, after the drain
/// loop has ended, so that it holds also when the loop never ran (a host stopped as soon as it started). A SIGKILL
/// loses only what was in memory, not yet spilled.
/// </remarks>
internal sealed class ResultWriter : BackgroundService
{
    /// <summary>How long stopping may spend writing to PostgreSQL before the rest goes to the spill file.</summary>
    public static readonly TimeSpan ShutdownFlushBudget = TimeSpan.FromSeconds(5);

    private readonly ResultBuffer _buffer;
    private readonly ResultSpill _spill;
    private readonly DatabaseState _database;
    private readonly ResultStorageState _state;
    private readonly ResultOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ResultWriter> _log;
    private readonly ResultBatchWriter _writer;
    private readonly ResultReplay _replay;

    /// <summary>The batch being stored; one cut short by stopping stays in it for <see cref="StopAsync"/>.</summary>
    private readonly List<ResultRow> _batch;
    private bool _opened;
    private long _reportedDrops;

    public ResultWriter(
        ResultBuffer buffer,
        ResultSpill spill,
        NpgsqlDataSource dataSource,
        DatabaseState database,
        ResultStorageState state,
        IOptions<ResultOptions> options,
        TimeProvider time,
        Meter meter,
        ILogger<ResultWriter> log,
        ResultRetention? retention = null)
    {
        _buffer = buffer;
        _spill = spill;
        _database = database;
        _state = state;
        _options = options.Value;
        _time = time;
        _log = log;
        Metrics = new ResultStorageMetrics(meter, buffer, spill, state, database);
        _writer = new ResultBatchWriter(dataSource, Metrics, time, _options.WriteTimeout, log, retention);
        _replay = new ResultReplay(spill, _writer, state, Metrics, database, _options.BatchSize, time, log);
        _batch = new List<ResultRow>(_options.BatchSize);
    }

    /// <summary>The writer's series.</summary>
    public ResultStorageMetrics Metrics { get; }

    /// <summary>Takes the spill directory (a failure stops the start, in one line) and finds what an earlier run spilled.</summary>
    /// <exception cref="ResultSpillException">The spill directory cannot be used.</exception>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _spill.Open();
        _opened = true;
        _state.Spilled = _spill.Rows;
        if (!_spill.IsEmpty)
        {
            Log.SpillFound(_log, _spill.Rows, _spill.Directory);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var replay = _replay.RunAsync(stoppingToken);
        if (!_spill.IsEmpty)
        {
            _replay.Wake();
        }

        try
        {
            var lastWrite = _time.GetTimestamp();
            while (await _buffer.WaitAsync(stoppingToken).ConfigureAwait(false))
            {
                // Gather up to FlushInterval after the last write unless a batch is full already. A stop during the
                // wait leaves the results in the buffer, which StopAsync writes.
                var wait = _options.FlushInterval - _time.GetElapsedTime(lastWrite);
                if (wait > TimeSpan.Zero && _buffer.Count < _options.BatchSize)
                {
                    await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
                }

                lastWrite = _time.GetTimestamp();
                _buffer.TakeInto(_batch, _options.BatchSize);
                await StoreAsync(_batch, stoppingToken).ConfigureAwait(false);
                _batch.Clear();
                ReportDrops();
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; a batch cut short is in _batch still, and is stored by StopAsync (its rows once, by id).
        }

        try
        {
            await replay.ConfigureAwait(false);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // The segment it was replaying stays for the next start.
        }
    }

    /// <summary>
    /// Ends the drain loop and the replay (<see cref="BackgroundService.StopAsync"/> waits for them), then writes or
    /// spills what is in memory.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_opened)
        {
            _opened = false;
            await FlushOnShutdownAsync(_batch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A batch goes to PostgreSQL while nothing waits in the spill file (so that results stay in order), and to the spill
    /// file when PostgreSQL fails it or is not ready.
    /// </summary>
    private async Task StoreAsync(List<ResultRow> batch, CancellationToken cancellationToken)
    {
        if (_database.Ready.IsCompleted && _spill.IsEmpty)
        {
            try
            {
                await _writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                _state.Succeeded();
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Transient (PostgreSQL away or slow) or not, the rows are kept: the replay tries them again.
                Metrics.WriteFailed();
                _state.Failed(ResultBatchWriter.Describe(ex));
                Log.ResultsSpilling(_log, ResultBatchWriter.Describe(ex), batch.Count, _spill.Directory);
            }
        }

        Spill(batch);
        _replay.Wake();
    }

    private void Spill(List<ResultRow> batch)
    {
        try
        {
            _spill.Append(batch);
        }
        catch (ResultSpillException ex)
        {
            Metrics.Unspillable(ex.Lost);
            Log.SpillFailed(_log, ex.Lost, ex.Message);
        }

        _state.Spilled = _spill.Rows;
    }

    private void ReportDrops()
    {
        var dropped = _buffer.Dropped;
        if (dropped != _reportedDrops)
        {
            Log.BufferOverflowed(_log, _buffer.Capacity, dropped - _reportedDrops);
            _reportedDrops = dropped;
        }
    }

    /// <summary>
    /// Writes what is in memory to PostgreSQL within the budget when it takes results and nothing waits in the spill
    /// file; spills the rest, in order; then closes the spill file.
    /// </summary>
    private async Task FlushOnShutdownAsync(List<ResultRow> batch, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(ShutdownFlushBudget, _time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            if (_database.Ready.IsCompleted && _state.Up && _spill.IsEmpty)
            {
                _buffer.TakeInto(batch, _options.BatchSize);
                while (batch.Count > 0)
                {
                    await _writer.WriteAsync(batch, budget.Token).ConfigureAwait(false);
                    _state.Succeeded();
                    batch.Clear();
                    _buffer.TakeInto(batch, _options.BatchSize);
                }
            }
        }
        catch (Exception ex)
        {
            // PostgreSQL did not take them in time, or failed them some other way: whatever it was, they are spilled.
            Log.ResultsSpilling(_log, ResultBatchWriter.Describe(ex), batch.Count, _spill.Directory);
        }

        _buffer.TakeInto(batch, int.MaxValue);
        if (batch.Count > 0)
        {
            Spill(batch);
        }

        ReportDrops();
        await _writer.DisposeAsync().ConfigureAwait(false);
        _spill.Dispose();
        if (_spill.Rows > 0)
        {
            Log.ResultsSpilledOnStop(_log, _spill.Rows, _spill.Directory);
        }
    }
}
