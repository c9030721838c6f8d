using Sentinel.Probes.Probing;

namespace Sentinel.Api.Endpoints;

/// <summary>Runs a stored check now, on this node, and publishes the result as a scheduled run does; the worker implements it.</summary>
public interface ICheckRunner
{
    /// <summary>Whether this node runs probes (an <c>api</c>-role node does not).</summary>
    bool CanRun { get; }

    /// <summary>Runs the check <paramref name="id"/> once; null when no check has the id. The result is stored like any other.</summary>
    Task<ProbeResult?> RunAsync(string id, CancellationToken cancellationToken);
}
