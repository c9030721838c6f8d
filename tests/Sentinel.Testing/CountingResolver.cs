using System.Collections.Concurrent;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Testing;

/// <summary>
/// The system resolver, counting what it was asked: a <see cref="ProbeContext"/> with it shows which lookups the
/// probes and their warm-ups made through the context, while every lookup still goes to getaddrinfo.
/// </summary>
internal sealed class CountingResolver : IHostResolver
{
    private readonly SystemHostResolver _system = new();
    private readonly ConcurrentQueue<string> _hosts = new();

    public string Name => _system.Name;

    /// <summary>The hosts asked for, in order.</summary>
    public IReadOnlyList<string> Hosts => [.. _hosts];

    public ValueTask<HostLookup> ResolveAsync(string host, IpVersion version, CancellationToken cancellationToken)
    {
        _hosts.Enqueue(host);
        return _system.ResolveAsync(host, version, cancellationToken);
    }
}
