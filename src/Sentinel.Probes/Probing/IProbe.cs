using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>
/// The one probe contract. The caller owns the deadline and passes it as the cancellation token:
/// when it fires, the probe returns a timeout classified by the phase it was in. A probe never throws for a
/// target's failure; it returns the classified failure.
/// </summary>
internal interface IProbe
{
    ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A probe that can exercise its own code paths before it times anything, so that one-shot runs
/// (<c>sentinel probe</c>) measure the network and not JIT compilation or first-use initialisation.
/// </summary>
internal interface IWarmUp
{
    /// <summary>
    /// Runs checks against loopback peers the probe sets up itself, through <paramref name="run"/> (the runner's
    /// full path: deadline, assertions, result building). Several rounds: ReadyToRun and tier-0 code stay slow
    /// for the first few calls of a method, not only the first.
    /// </summary>
    ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken);
}
