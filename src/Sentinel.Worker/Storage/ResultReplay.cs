using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Sentinel.Worker.Resilience;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Writes the spill file to PostgreSQL whenever it holds rows: oldest segment first, in batches, each batch retried with
/// <see cref="Backoff"/> while PostgreSQL is away, and a segment deleted only once all its rows committed. It runs beside
/// the writer's drain loop, which keeps appending to the spill meanwhile, so probing never waits for it; once the spill
/// is empty the drain loop writes directly again.
/// </summary>
internal sealed class ResultReplay
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ResultSpill _spill;
    private readonly ResultBatchWriter _writer;
    private readonly ResultStorageState _state;
    private readonly ResultStorageMetrics _metrics;
    private readonly DatabaseState _database;
    private readonly int _batchSize;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ResiliencePipeline _retry;

    public ResultReplay(
        ResultSpill spill,
        ResultBatchWriter writer,
        ResultStorageState state,
        ResultStorageMetrics metrics,
        DatabaseState database,
        int batchSize,
        TimeProvider time,
        ILogger log)
    {
        _spill = spill;
        _writer = writer;
        _state = state;
        _metrics = metrics;
        _database = database;
        _batchSize = batchSize;
        _time = time;
        _log = log;
        _retry = Backoff.Create(time, ResultBatchWriter.IsTransient, (ex, delay) =>
        {
            state.Failed(ResultBatchWriter.Describe(ex));
            metrics.WriteFailed();
            Log.ReplayWaiting(log, spill.Rows, ResultBatchWriter.Describe(ex), Backoff.Seconds(delay));
        });
    }

    /// <summary>Says that the spill has rows; the replay starts on them unless it is at work already.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Replays whenever woken, until <paramref name="stoppingToken"/> fires; a segment cut short stays for the next start.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await _database.WaitAsync(stoppingToken).ConfigureAwait(false);
        while (true)
        {
            await _wake.Reader.ReadAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                var replayed = await ReplayAllAsync(stoppingToken).ConfigureAwait(false);
                if (replayed > 0)
                {
                    Log.SpillReplayed(_log, replayed);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Not PostgreSQL being away (that is retried inside): a fault to report, then to try again, never a reason
                // to stop writing results.
                Log.ReplayFailed(_log, ex, ex.Message, Backoff.Seconds(Backoff.MaxDelay));
                await Task.Delay(Backoff.MaxDelay, _time, stoppingToken).ConfigureAwait(false);
                Wake();
            }
        }
    }

    private async Task<long> ReplayAllAsync(CancellationToken stoppingToken)
    {
        long replayed = 0;
        while (_spill.TakeOldest() is { } segment)
        {
            try
            {
                using var batches = segment.ReadBatches(_batchSize).GetEnumerator();
                var next = NextBatch(batches, segment);
                while (next is { } batch)
                {
                    // The next batch is read from disk while this one is written: replay costs the slower of the two, not both.
                    var reading = Task.Run(() => NextBatch(batches, segment), CancellationToken.None);
                    try
                    {
                        await _retry.ExecuteAsync(
                            async cancellationToken => await _writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false),
                            stoppingToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        // The reader must be done with the segment before it is released or disposed.
                        next = await reading.ConfigureAwait(false);
                    }

                    _state.Succeeded();
                    _metrics.Replayed(batch.Count);
                    replayed += batch.Count;
                }
            }
            catch
            {
                _spill.Release(segment);
                throw;
            }

            if (segment.Corrupt > 0)
            {
                Log.SpillLinesSkipped(_log, segment.Corrupt, segment.Path);
            }

            _spill.Complete(segment);
            _state.Spilled = _spill.Rows;
        }

        return replayed;
    }

    /// <summary>The segment's next batch; null at its end, or when the file cannot be read (its rows are lost then).</summary>
    private List<ResultRow>? NextBatch(IEnumerator<List<ResultRow>> batches, SpillSegment segment)
    {
        try
        {
            return batches.MoveNext() ? batches.Current : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SpillSegmentUnreadable(_log, segment.Path, ex.Message);
            segment.Corrupt = segment.Rows;
            return null;
        }
    }
}
