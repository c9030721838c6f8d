using System.Collections.Concurrent;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Resolving;

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

    /// <summary>
    /// Runs the check as <see cref="RunAsync(CheckDefinition, CancellationToken)"/> does and hands the result to
    /// <paramref name="report"/>: the way to wait for a run that the warm-ups take too. A probe runs on its caller's
    /// thread (a test's network namespace is a thread's), and when it first waits, for a lookup or a connection, the
    /// callers above it wait too: the first time a method waits for a run, the runtime compiles that wait (a
    /// millisecond or more) on the thread whose queue holds the lookup just started, and the time would be timed as
    /// the target's resolve or connect. Through here the first timed run's wait is compiled already.
    /// </summary>
    public async Task RunAsync(CheckDefinition check, Func<ProbeResult, Task> report, CancellationToken stopping)
    {
        var result = await RunAsync(check, stopping).ConfigureAwait(false);
        await report(result).ConfigureAwait(false);
    }

    /// <summary>Exercises a probe type's code paths (every call warms again; see <see cref="EnsureWarmAsync(string, CancellationToken)"/> for once).</summary>
    public async Task WarmUpAsync(string type, CancellationToken cancellationToken)
    {
        if (types.Find(type)?.Probe is IWarmUp warmUp)
        {
            try
            {
                await warmUp.WarmUpAsync(context, c => RunAsync(c, _ => Task.CompletedTask, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A warm-up that fails only leaves the run colder; the run itself reports real problems.
            }
        }
    }

    /// <summary>
    /// Warms the <c>resolve</c> phase that a run of <paramref name="check"/> will time, through its resolver
    /// (<see cref="ResolutionWarmUp"/>); a one-shot run calls it right before the run, since the system resolver cools
    /// again within a fraction of a second. Does nothing for a check that looks no name up. Bounded by
    /// <see cref="WarmUpBound"/>.
    /// </summary>
    public async Task WarmUpResolutionAsync(CheckDefinition check, CancellationToken cancellationToken)
    {
        if (types.Find(check.Type) is not { } type || ResolutionWarmUp.ResolverKind(check, type) is null)
        {
            return;
        }

        using var bound = new CancellationTokenSource(WarmUpBound, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken);
        try
        {
            await ResolutionWarmUp.RunAsync(check, context, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // As for the types' warm-ups: a failed or slow one only leaves the run colder.
        }
    }

    /// <summary>
    /// Warms <paramref name="check"/>'s type, and the resolver it looks its target up with, the first time each is
    /// asked for and returns at once afterwards, so that a daemon's first runs time the target rather than the runtime's
    /// first use of its code paths (JIT, first socket, first TLS handshake, the system resolver's first lookup:
    /// milliseconds that would be stored as the target's).
    /// </summary>
    public async Task EnsureWarmAsync(CheckDefinition check, CancellationToken stopping)
    {
        await EnsureWarmAsync(check.Type, stopping).ConfigureAwait(false);
        if (types.Find(check.Type) is { } type && ResolutionWarmUp.ResolverKind(check, type) is { } kind)
        {
            await EnsureOnceAsync("resolve:" + kind, () => WarmUpResolutionAsync(check, CancellationToken.None), stopping).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Warms <paramref name="type"/> the first time it is asked for and returns at once afterwards. Concurrent first runs
    /// share one warm-up. Waits at most <see cref="WarmUpBound"/>; a slower warm-up goes on in the background.
    /// </summary>
    public Task EnsureWarmAsync(string type, CancellationToken stopping) =>
        EnsureOnceAsync(type, () => WarmUpAsync(type, CancellationToken.None), stopping);

    private async Task EnsureOnceAsync(string key, Func<Task> warm, CancellationToken stopping)
    {
        var warmUp = _warmed.GetOrAdd(key, _ => new Lazy<Task>(warm)).Value;
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
