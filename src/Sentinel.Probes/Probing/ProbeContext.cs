
namespace Sentinel.Probes.Probing;

/// <summary>What a probe may use besides the check: the clock, name resolution and per-check state.</summary>
internal sealed class ProbeContext
{
    /// <summary>The clock every phase is timed with.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Randomness a probe needs (values made up per run, such as the hostile origin of a CORS audit); tests pass a
    /// seeded one. Shared between concurrent runs, so the default is the thread-safe <see cref="Random.Shared"/>.
    /// </summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>The resolver for checks that do not name their own.</summary>
    public IHostResolver SystemResolver { get; init; } = new SystemHostResolver();

    /// <summary>
    /// Makes the resolver for a check that names its own <c>resolver</c> (the setting as written: an address, with an
    /// optional port); null, the default, for the one that asks that server itself through the dns probe's exchange.
    /// </summary>
    public Func<string, IHostResolver>? ServerResolver { get; init; }

    /// <summary>State a probe keeps between runs of a check (baselines, last fingerprints).</summary>
    public ICheckStateStore State { get; init; } = new InMemoryCheckStateStore();

    /// <summary>The name of this Sentinel node, recorded where a probe stores state.</summary>
    public string Node { get; init; } = Environment.MachineName;
}
