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
/// drops a removed check's series, and the scheduler need not know that the view exists.
/// </summary>
internal sealed class LatestResultsSync(
    LatestResults latest,
    CheckStore store,
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
            await changes.FollowAsync(RetainEnabledAsync, options.Value.ReconcileInterval, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
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
