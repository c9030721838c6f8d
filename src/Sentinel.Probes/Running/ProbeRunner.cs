using System.Collections.Concurrent;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Running;

/// <summary>
/// Runs one check once: looks up its probe, gives it the check's deadline, turns anything a probe did not
/// classify into <c>probe_error</c>, evaluates the assertions and stamps start time and duration. The
/// daemon's scheduler and <c>sentinel probe</c> both run checks through here.
/// </summary>
internal sealed class ProbeRunner(ProbeTypes types, ProbeContext context, Action<CheckDefinition, Exception>? onProbeCrash = null)
{
    /// <summary>How long past its deadline a probe may take to return before its result is given up.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>The longest a run waits for its type's first warm-up before it goes ahead cold.</summary>
    public static readonly TimeSpan WarmUpBound = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Lazy<Task>> _warmed = new(StringComparer.Ordinal);

    public ProbeContext Context => context;

    /// <summary>
    /// Runs the check. Throws <see cref="OperationCanceledException"/> only when <paramref name="stopping"/> is
    /// cancelled (the node is shutting down); a result then would describe Sentinel, not the target.
    /// </summary>
    public async Task<ProbeResult> RunAsync(CheckDefinition check, CancellationToken stopping)
    {
        var type = types.Find(check.Type) ?? throw new ArgumentException($"unknown check type \"{check.Type}\"", nameof(check));
        var startedAt = context.Time.GetUtcNow();
        var start = context.Time.GetTimestamp();
        using var timeout = new CancellationTokenSource(check.Timeout, context.Time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);

        ProbeResult result;
        try
        {
            result = await type.Probe.RunAsync(check, context, deadline.Token).AsTask()
                .WaitAsync(check.Timeout + Grace, context.Time, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = Error(check,
                $"the {check.Type} probe hit the check's timeout ({Duration.Format(check.Timeout)}) without saying in which phase",
                "this is a fault in Sentinel's probe, not in the target; please report it");
        }
        catch (TimeoutException)
        {
            result = Error(check,
                $"the {check.Type} probe did not return within the check's timeout ({Duration.Format(check.Timeout)}) plus {Grace.TotalSeconds:0} s",
                "this Sentinel node may be overloaded (CPU, thread pool); check its load and the number of checks it runs");
        }
        catch (Exception ex)
        {
            onProbeCrash?.Invoke(check, ex);
            result = Error(check,
                $"the {check.Type} probe failed unexpectedly: {ex.GetType().Name}: {ex.Message}",
                "this is a fault in Sentinel, not in the target; the node's log has the details");
        }

        if (result.Failure is null && check.Assertions.Count > 0)
        {
            result = result with { Problems = [.. result.Problems, .. AssertionEvaluator.Evaluate(check.Assertions, result.Measurements)] };
        }

        return result with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt, Duration = context.Time.GetElapsedTime(start) };
    }

    /// <summary>Exercises a probe type's code paths (every call warms again; see <see cref="EnsureWarmAsync"/> for once).</summary>
    public async Task WarmUpAsync(string type, CancellationToken cancellationToken)
    {
        if (types.Find(type)?.Probe is IWarmUp warmUp)
        {
            try
            {
                await warmUp.WarmUpAsync(context, c => RunAsync(c, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A warm-up that fails only leaves the run colder; the run itself reports real problems.
            }
        }
    }

    /// <summary>
    /// Warms <paramref name="type"/> the first time it is asked for and returns at once afterwards, so that a daemon's
    /// first runs of each probe type time the target rather than the runtime's first use of its code paths (JIT,
    /// first socket, first TLS handshake: milliseconds that would be stored as the target's). Concurrent first runs
    /// share one warm-up. Waits at most <see cref="WarmUpBound"/>; a slower warm-up goes on in the background.
    /// </summary>
    public async Task EnsureWarmAsync(string type, CancellationToken stopping)
    {
        var warmUp = _warmed.GetOrAdd(type, t => new Lazy<Task>(() => WarmUpAsync(t, CancellationToken.None))).Value;
        try
        {
            await warmUp.WaitAsync(WarmUpBound, context.Time, stopping).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Cold numbers for this run beat no run at all.
        }
    }

    private static ProbeResult Error(CheckDefinition check, string message, string hint)
    {
        var builder = new ProbeResultBuilder(check);
        builder.Fail(Layers.Probe, FailureCategories.ProbeError, message, hint);
        return builder.Build();
    }
}
