using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Running;

/// <summary>
/// What accepting a check's baseline means, for every probe that keeps one in <see cref="ICheckStateStore"/>
/// (<c>sentinel dns accept</c>, <c>sentinel audit accept</c>): the check runs once, warm, against an empty state, so
/// that the probe takes a fresh baseline by its own rules; that value then replaces the check's baseline in the
/// real store, recorded as taken by the acceptor.
/// </summary>
internal static class BaselineAcceptance
{
    /// <summary>
    /// Runs <paramref name="check"/> once with its probe among <paramref name="types"/> (the caller's catalog) and,
    /// when the run took a value under <paramref name="stateKey"/> and <paramref name="acceptable"/> approves the
    /// result, stores it in <paramref name="store"/> as <paramref name="by"/>. Returns the result and the stored value
    /// (JSON), or null when nothing was stored.
    /// </summary>
    public static async Task<(ProbeResult Result, string? Accepted)> AcceptAsync(
        ProbeTypes types, CheckDefinition check, ProbeContext context, ICheckStateStore store, string stateKey, string by, Func<ProbeResult, bool> acceptable, CancellationToken cancellationToken)
    {
        var scratch = new InMemoryCheckStateStore(context.Time);
        var runner = new ProbeRunner(types, new ProbeContext
        {
            Time = context.Time,
            Random = context.Random,
            SystemResolver = context.SystemResolver,
            Node = context.Node,
            State = scratch,
        });
        await runner.WarmUpAsync(check.Type, cancellationToken).ConfigureAwait(false);
        await runner.WarmUpResolutionAsync(check, cancellationToken).ConfigureAwait(false);
        var result = await runner.RunAsync(check, cancellationToken).ConfigureAwait(false);
        var taken = await scratch.GetAsync(check.Id, stateKey, cancellationToken).ConfigureAwait(false);
        if (taken is null || !acceptable(result))
        {
            return (result, null);
        }

        await store.SetAsync(check.Id, stateKey, taken.Json, by, cancellationToken).ConfigureAwait(false);
        return (result, taken.Json);
    }
}
