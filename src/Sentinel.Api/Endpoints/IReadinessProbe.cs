namespace Sentinel.Api.Endpoints;

/// <summary>Says whether this node can serve: the worker implements it over its database connection.</summary>
public interface IReadinessProbe
{
    /// <summary>Checks readiness now.</summary>
    Task<Readiness> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>The outcome of a readiness check.</summary>
/// <param name="Ready">Whether the node is ready.</param>
/// <param name="Reason">Why not, in one line; or what was verified.</param>
public sealed record Readiness(bool Ready, string Reason);
