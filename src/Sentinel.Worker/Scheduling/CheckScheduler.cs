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
/// changed interval reschedules the check; other changes take effect at its next run. Starts the scheduler once the
/// database is ready.
/// </summary>
/// <remarks>
/// The schedule lives in Quartz's clustered store, shared by every worker node, and every node reconciles it: the
/// desired state is a function of the checks table alone (job key = check id, first fire from <see cref="FireTimes"/>),
/// so nodes that reconcile at once write the same thing, and a trigger already stored at the right interval is left
/// as it is (a restarted node does not reset the cluster's schedule). Each node also keeps every enabled check in its
/// own <see cref="CheckRegistry"/>, since any node may fire any check.
/// </remarks>
internal sealed class CheckScheduler(
    ISchedulerFactory schedulers,
    CheckStore store,
    CheckRegistry registry,
    SchedulingMode mode,
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
            await StartAsync(scheduler, stoppingToken).ConfigureAwait(false);
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
            // Shutting down; Quartz's hosted service stops the scheduler and waits for its jobs.
        }
    }

    /// <summary>Starts the scheduler, retrying while the database refuses (it may go away again after start-up).</summary>
    private async Task StartAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await scheduler.Start(cancellationToken).ConfigureAwait(false);
                Log.SchedulerStarted(log, scheduler.SchedulerInstanceId);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or SchedulerException && !cancellationToken.IsCancellationRequested)
            {
                Log.SchedulerStartFailed(log, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
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
                registry.Remove(current.Definition.Id);
            }
        }

        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var check in desired.Values)
        {
            if (!registry.TryGet(check.Definition.Id, out var current) || current.Version != check.Version)
            {
                registry.Set(check);
                changed.Add(check.Definition.Id);
            }
        }

        // The store is shared: a job another node scheduled, for a check this node never knew, goes too.
        var jobs = (await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(Group), cancellationToken).ConfigureAwait(false))
            .Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var id in jobs.Where(id => !desired.ContainsKey(id)))
        {
            if (await scheduler.DeleteJob(new JobKey(id, Group), cancellationToken).ConfigureAwait(false))
            {
                Log.CheckUnscheduled(log, id);
            }
        }

        // A stored job is read back only when its check changed since this node last looked: one query per change, not
        // per check and round, and a restarted node does not reset a schedule the cluster already has.
        var schedule = new List<CheckDefinition>();
        foreach (var check in desired.Values)
        {
            var id = check.Definition.Id;
            if (!jobs.Contains(id) || (changed.Contains(id) && !await HasIntervalAsync(scheduler, id, check.Definition.Interval, cancellationToken).ConfigureAwait(false)))
            {
                schedule.Add(check.Definition);
            }
        }

        await ScheduleAsync(scheduler, schedule, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> HasIntervalAsync(IScheduler scheduler, string id, TimeSpan interval, CancellationToken cancellationToken) =>
        await scheduler.GetTrigger(new TriggerKey(id, Group), cancellationToken).ConfigureAwait(false) is ISimpleTrigger trigger
        && trigger.RepeatInterval == interval;

    /// <summary>Stores the jobs and triggers of <paramref name="checks"/> in one transaction.</summary>
    private async Task ScheduleAsync(IScheduler scheduler, List<CheckDefinition> checks, CancellationToken cancellationToken)
    {
        if (checks.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var batch = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>();
        foreach (var check in checks)
        {
            var job = JobBuilder.Create<ProbeJob>()
                .WithIdentity(check.Id, Group)
                .DisallowConcurrentExecution(!mode.Clustered)
                .StoreDurably(false)
                .RequestRecovery(false)
                .Build();
            var trigger = TriggerBuilder.Create(time)
                .WithIdentity(check.Id, Group)
                .ForJob(job)
                .StartAt(FireTimes.First(check.Id, check.Interval, now))
                .WithSchedule(SimpleScheduleBuilder.Create()
                    .WithInterval(check.Interval)
                    .RepeatForever()

                    // A run missed while the node was busy is skipped, not made up in a burst.
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                .Build();
            batch[job] = [trigger];
        }

        // Replacing: another node may have stored the same jobs a moment ago; both wrote the same schedule.
        await scheduler.ScheduleJobs(batch, ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
        foreach (var check in checks)
        {
            Log.CheckScheduled(log, check.Id, Duration.Format(check.Interval), Duration.Format(FireTimes.Offset(check.Id, check.Interval)));
        }
    }
}
