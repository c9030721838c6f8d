using Quartz;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Worker.Metrics;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Scheduling;

/// <summary>
/// One Quartz job per check: runs the check through the probe runner (which owns the deadline; the first run of
/// each probe type, and of each kind of resolver, on this node waits for its warm-up) and publishes the result. Jobs are built with concurrent execution disallowed, so runs of one check never overlap.
/// Each run's lag behind its planned fire time, and its outcome, go to <see cref="ProbeRunMetrics"/>.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class ProbeJob(CheckRegistry registry, ProbeRunner runner, ResultPipeline results, ProbeRunMetrics metrics, TimeProvider time) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(context.JobDetail.Key.Name, out var check))
        {
            return;
        }

        metrics.Started(time.GetUtcNow() - (context.ScheduledFireTimeUtc ?? context.FireTimeUtc));
        ProbeStatus? status = null;
        try
        {
            await runner.EnsureWarmAsync(check.Definition, cancellationToken).ConfigureAwait(false);
            await runner.RunAsync(
                check.Definition,
                result =>
                {
                    status = result.Status;
                    return results.PublishAsync(check.Definition, result, cancellationToken).AsTask();
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping; a result cut short by that would describe Sentinel, not the target.
        }
        finally
        {
            metrics.Finished(check.Definition.Type, status);
        }
    }
}
