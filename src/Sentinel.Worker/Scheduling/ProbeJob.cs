using Npgsql;
using Quartz;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Worker.Metrics;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Scheduling;

/// <summary>
/// One Quartz job per check: runs the check through the probe runner (which owns the deadline; the first run of
/// each probe type, and of each kind of resolver, on this node waits for its warm-up) and publishes the result. Runs of
/// one check never overlap on a node: a fire that comes while the check still runs here is skipped (in memory, Quartz
/// itself holds it back; see <see cref="SchedulingMode"/> for the clustered store).
/// Each run's lag behind its planned fire time, and its outcome, go to <see cref="ProbeRunMetrics"/>.
/// In a cluster the check may have been added on another node a moment ago, before this node's registry heard of it:
/// then the job reads it from the checks table.
/// </summary>
internal sealed class ProbeJob(CheckRegistry registry, CheckStore store, ProbeRunner runner, ResultPipeline results, ProbeRunMetrics metrics, TimeProvider time) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.JobDetail.Key.Name;
        var check = registry.TryGet(id, out var known) ? known : await LoadAsync(id, cancellationToken).ConfigureAwait(false);
        if (check is null || !registry.TryStartRun(id))
        {
            return;
        }

        var planned = Planned(context);
        metrics.Started(time.GetUtcNow() - planned);
        ProbeStatus? status = null;
        try
        {
            await runner.EnsureWarmAsync(check.Definition, cancellationToken).ConfigureAwait(false);
            await runner.RunAsync(
                check.Definition,
                result =>
                {
                    status = result.Status;
                    return results.PublishAsync(check.Definition, result with { ScheduledAt = planned }, cancellationToken).AsTask();
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping; a result cut short by that would describe Sentinel, not the target.
        }
        finally
        {
            registry.EndRun(id);
            metrics.Finished(check.Definition.Type, status);
        }
    }

    /// <summary>
    /// The fire time this run was planned for: the check's slot that Quartz fired (the trigger's previous fire time, once
    /// fired). Not Quartz's scheduled fire time, which for a fire skipped as a misfire names the skipped one when the next
    /// slot is less than half a second away: after a dead node's fires were released, the next slot of each, run on time,
    /// would otherwise be stored and measured as seconds late, and as the skipped fire's run.
    /// </summary>
    private static DateTimeOffset Planned(IJobExecutionContext context) =>
        context.Trigger.PreviousFireTimeUtc ?? context.ScheduledFireTimeUtc ?? context.FireTimeUtc;

    private async Task<ScheduledCheck?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        StoredCheck? stored;
        try
        {
            stored = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return null;
        }

        if (stored is null)
        {
            return null;
        }

        var document = CheckParser.Parse(stored.Definition, stored.Source ?? $"checks table ({stored.Id})", ProbeCatalog.Default.Checks);
        if (!document.IsValid || document.Checks.Count != 1)
        {
            return null;
        }

        // The scheduler's next reconcile replaces it, or removes it if the check was disabled meanwhile.
        var check = new ScheduledCheck(document.Checks[0].Definition, stored.Version);
        registry.TryAdd(check);
        return check;
    }
}
