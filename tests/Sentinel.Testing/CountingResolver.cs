using System.Collections.Concurrent;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Resolving;

namespace Sentinel.Testing;

/// <summary>
/// A real resolver (the system's, or Sentinel's own for a named server), counting what it was asked: in a
/// <see cref="ProbeContext"/> it shows which lookups the probes and their warm-ups made, through which resolver and
/// when, while every lookup still goes where it would have gone.
/// </summary>
internal sealed class CountingResolver(IHostResolver inner, ConcurrentQueue<ResolverLookup> lookups, Func<int>? mark = null) : IHostResolver
{
    /// <summary>The system resolver, counted.</summary>
    public CountingResolver()
        : this(new SystemHostResolver(), new ConcurrentQueue<ResolverLookup>())
    {
    }

    public string Name => inner.Name;

    /// <summary>Every lookup through this resolver and the others sharing its queue, in the order they finished.</summary>
    public IReadOnlyList<ResolverLookup> Lookups => [.. lookups];

    /// <summary>The hosts asked for, in order.</summary>
    public IReadOnlyList<string> Hosts => [.. lookups.Select(l => l.Host)];

    /// <summary>
    /// For <see cref="ProbeContext.ServerResolver"/>: Sentinel's own resolver for each named server, counted into
    /// <paramref name="lookups"/>, each lookup stamped with <paramref name="mark"/>'s value when it finished.
    /// </summary>
    public static Func<string, IHostResolver> ForServers(ConcurrentQueue<ResolverLookup> lookups, Func<int>? mark = null) =>
        server => new CountingResolver(new DnsServerHostResolver(server), lookups, mark);

    public async ValueTask<HostLookup> ResolveAsync(string host, IpVersion version, CancellationToken cancellationToken)
    {
        var lookup = await inner.ResolveAsync(host, version, cancellationToken);
        lookups.Enqueue(new ResolverLookup(inner.Name, host, version, lookup, mark?.Invoke() ?? 0));
        return lookup;
    }
}

/// <summary>One lookup a <see cref="CountingResolver"/> saw.</summary>
/// <param name="Resolver">The resolver's name: <c>system</c> or the server's <c>host:port</c>.</param>
/// <param name="Host">The name looked up.</param>
/// <param name="Version">The address family asked for.</param>
/// <param name="Outcome">What the resolver answered.</param>
/// <param name="Mark">What the test's mark read when the lookup finished (for example connections a target accepted).</param>
internal sealed record ResolverLookup(string Resolver, string Host, IpVersion Version, HostLookup Outcome, int Mark);
