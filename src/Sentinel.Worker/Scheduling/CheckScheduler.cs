using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Scheduling;

/// <summary>
/// Makes the Quartz schedule match the enabled checks in the database: one job per check, with a trigger at
/// the check's interval whose first fire is spread by <see cref="FireTimes"/>. Follows the checks' change signal
/// (<see cref="CheckChanges"/>), and reconciles at <see cref="SchedulingOptions.ReconcileInterval"/> without one. A
/// changed interval reschedules the check; other changes take effect at its next run.
/// </summary>
internal sealed class CheckScheduler(
    ISchedulerFactory schedulers,
    CheckStore store,
    CheckRegistry registry,
    CheckChanges changes,
    DatabaseState database,
    IOptions<SchedulingOptions> options,
    TimeProvider time,
    ILogger<CheckScheduler> log) : BackgroundService
{
    public const string Group = "checks";

    private readonly HashSet<(string Id, long Version)> _reportedInvalid = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await database.WaitAsync(stoppingToken).ConfigureAwait(false);
            var scheduler = await schedulers.GetScheduler(stoppingToken).ConfigureAwait(false);
            await changes.FollowAsync(async cancellationToken =>
            {
                try
                {
                    await ReconcileAsync(scheduler, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or SchedulerException)
                {
                    Log.ReconcileFailed(log, ex.Message);
                }
            }, options.Value.ReconcileInterval, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; Quartz stops its own jobs.
        }
    }

    /// <summary>Compares the schedule with the database once and applies the differences.</summary>
    internal async Task ReconcileAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var desired = new Dictionary<string, ScheduledCheck>(StringComparer.Ordinal);
        foreach (var stored in await store.ListEnabledAsync(cancellationToken).ConfigureAwait(false))
        {
            var document = CheckParser.Parse(stored.Definition, stored.Source ?? $"checks table ({stored.Id})", ProbeCatalog.Default.Checks);
            if (document.IsValid && document.Checks.Count == 1)
            {
                desired[stored.Id] = new ScheduledCheck(document.Checks[0].Definition, stored.Version);
            }
            else if (_reportedInvalid.Add((stored.Id, stored.Version)))
            {
                Log.StoredCheckInvalid(log, stored.Id, string.Join("; ", document.Errors));
            }
        }

        foreach (var current in registry.All.ToList())
        {
            if (!desired.ContainsKey(current.Definition.Id))
            {
                await scheduler.DeleteJob(new JobKey(current.Definition.Id, Group), cancellationToken).ConfigureAwait(false);
                registry.Remove(current.Definition.Id);
                Log.CheckUnscheduled(log, current.Definition.Id);
            }
        }

        foreach (var check in desired.Values)
        {
            var known = registry.TryGet(check.Definition.Id, out var current);
            if (known && current.Version == check.Version)
            {
                continue;
            }

            registry.Set(check);
            if (!known || current.Definition.Interval != check.Definition.Interval)
            {
                await ScheduleAsync(scheduler, check.Definition, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ScheduleAsync(IScheduler scheduler, CheckDefinition check, CancellationToken cancellationToken)
    {
        var job = JobBuilder.Create<ProbeJob>()
            .WithIdentity(check.Id, Group)
            .DisallowConcurrentExecution(true)
            .StoreDurably(false)
            .Build();
        var trigger = TriggerBuilder.Create(time)
            .WithIdentity(check.Id, Group)
            .ForJob(job)
            .StartAt(FireTimes.First(check.Id, check.Interval, time.GetUtcNow()))
            .WithSchedule(SimpleScheduleBuilder.Create()
                .WithInterval(check.Interval)
                .RepeatForever()

                // A run missed while the node was busy is skipped, not made up in a burst.
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(job, trigger, ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
        Log.CheckScheduled(log, check.Id, Duration.Format(check.Interval), Duration.Format(FireTimes.Offset(check.Id, check.Interval)));
    }
}
