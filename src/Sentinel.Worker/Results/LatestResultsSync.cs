using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Worker.Scheduling;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

/// <summary>
/// Keeps the latest-result view (<see cref="LatestResults"/>) to the enabled checks of the checks table: it reads them
/// once the database is ready, at every change signal (<see cref="CheckChanges"/>) and, without one, at
/// <see cref="SchedulingOptions.ReconcileInterval"/>. It runs on every role, so a node that schedules nothing still
/// drops a removed check's series, and the scheduler need not know that the view exists. Once the database is ready it
/// first restores each enabled check's latest stored result (<see cref="CheckLatestStore"/>), so that a restart does
/// not empty <c>/metrics</c> until every check has run again.
/// </summary>
internal sealed class LatestResultsSync(
    LatestResults latest,
    CheckStore store,
    CheckLatestStore stored,
    CheckChanges changes,
    DatabaseState database,
    IOptions<SchedulingOptions> options,
    ILogger<LatestResultsSync> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await database.WaitAsync(stoppingToken).ConfigureAwait(false);
            await RestoreAsync(stoppingToken).ConfigureAwait(false);
            await changes.FollowAsync(RetainEnabledAsync, options.Value.ReconcileInterval, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            var restored = 0;
            foreach (var state in await stored.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                restored += latest.Restore(state.Check, state.Result) ? 1 : 0;
            }

            Log.LatestResultsRestored(log, restored);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The view fills as the checks run, as it did before check_latest existed.
            Log.LatestResultsRestoreFailed(log, ex.Message);
        }
    }

    private async Task RetainEnabledAsync(CancellationToken cancellationToken)
    {
        try
        {
            latest.RetainOnly(await store.ListEnabledIdsAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            Log.LatestResultsSyncFailed(log, ex.Message);
        }
    }
}
