using Sentinel.Api.Endpoints;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Scheduling;

/// <summary>
/// A check run now, on this node, for <c>POST /v1/checks/{id}/run</c>: the check as stored, run by the same runner as
/// <see cref="ProbeJob"/> (warm-up, deadline, assertions), and published to the same pipeline, so that the result is
/// stored, shown and counted as a scheduled one is. A node of role <c>api</c> has no runner and runs nothing.
/// </summary>
internal sealed class OnDemandRuns(CheckStore store, ResultPipeline results, ProbeRunner? runner = null) : ICheckRunner
{
    public bool CanRun => runner is not null;

    public async Task<ProbeResult?> RunAsync(string id, CancellationToken cancellationToken)
    {
        if (runner is null || await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return null;
        }

        var document = CheckParser.Parse(stored.Definition, stored.Source ?? $"checks table ({stored.Id})", ProbeCatalog.Default.Checks);
        if (!document.IsValid || document.Checks.Count != 1)
        {
            // Stored checks were valid when written; one that is not any more (a newer, stricter Sentinel) is not run.
            return null;
        }

        var check = document.Checks[0].Definition;
        await runner.EnsureWarmAsync(check.Type, cancellationToken).ConfigureAwait(false);
        var result = await runner.RunAsync(check, cancellationToken).ConfigureAwait(false);
        await results.PublishAsync(check, result, cancellationToken).ConfigureAwait(false);
        return result;
    }
}
