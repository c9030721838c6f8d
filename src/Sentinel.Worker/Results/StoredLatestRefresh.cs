using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

/// <summary>
/// On a node that does not run every check itself (role <c>api</c>, or a <c>worker</c> among others), keeps the
/// latest-result view, and so <c>/metrics</c>, up to date with what every node stored in <c>check_latest</c>: after
/// PostgreSQL notifies a stored result (at most once per <see cref="MinimumSpacing"/>) and at least every
/// <see cref="PollInterval"/>, it reads the rows written since its last read and puts each in the view when it is newer
/// than what the view has. So every node shows the same set of checks with the same latest results, whichever node ran them.
/// </summary>
internal sealed class StoredLatestRefresh(
    LatestResults latest,
    CheckLatestStore stored,
    NotificationListener notifications,
    DatabaseState database,
    TimeProvider time,
    ILogger<StoredLatestRefresh> log) : BackgroundService
{
    /// <summary>The longest a node waits for others' results without a notification (one lost, or the listener away).</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>The least time between two reads: a busy cluster stores many batches a second, and one read covers them all.</summary>
    internal static readonly TimeSpan MinimumSpacing = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How far back each read reaches before the newest row seen: <c>updated_at</c> is its transaction's start, so a
    /// batch that started earlier may commit after a later one was read.
    /// </summary>
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(10);

    private TaskCompletionSource _stored = NewSignal();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        notifications.On(NotificationListener.ResultsChannel, _ => Volatile.Read(ref _stored).TrySetResult());
        DateTimeOffset? newest = null;
        try
        {
            await database.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (true)
            {
                // Renewed before reading, so that a result stored during the read is read next time.
                Interlocked.Exchange(ref _stored, NewSignal());
                try
                {
                    var states = await stored.ListAsync(newest - Overlap, stoppingToken).ConfigureAwait(false);
                    foreach (var state in states)
                    {
                        latest.Refresh(state.Check, state.Result);
                        newest = newest is { } n && n > state.UpdatedAt ? n : state.UpdatedAt;
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    Log.StoredLatestRefreshFailed(log, ex.Message);
                }

                await Task.Delay(MinimumSpacing, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    await Volatile.Read(ref _stored).Task.WaitAsync(PollInterval - MinimumSpacing, time, stoppingToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The poll: read anyway.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
