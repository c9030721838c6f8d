using System.Net;
using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>Turns a target's host name into addresses, classifying failures as DNS problems.</summary>
internal interface IHostResolver
{
    /// <summary>How the resolver is shown in results: <c>system</c> or the server's <c>host:port</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Resolves <paramref name="host"/> to addresses of the wanted family. Returns a failure instead of
    /// throwing; cancellation (the check's deadline) surfaces as <see cref="OperationCanceledException"/>.
    /// </summary>
    ValueTask<HostLookup> ResolveAsync(string host, IpVersion version, CancellationToken cancellationToken);
}

/// <summary>The outcome of a host lookup: addresses, or the classified reason there are none.</summary>
/// <param name="Addresses">The addresses in the resolver's order; empty on failure.</param>
/// <param name="Failure">Why there are no addresses.</param>
internal sealed record HostLookup(IReadOnlyList<IPAddress> Addresses, Problem? Failure)
{
    public static HostLookup Of(IReadOnlyList<IPAddress> addresses) => new(addresses, null);

    public static HostLookup Failed(Problem failure) => new([], failure);
}
