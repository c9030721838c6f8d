using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// <c>/healthz</c> (the process is alive and serving) and <c>/readyz</c> (it can do its job: database
/// reachable, migrations applied), for load balancers and orchestrators.
/// They answer without an API key unless <see cref="ApiOptions.OpenOperationalEndpoints"/> is false.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Maps the health endpoints.</summary>
    public static RouteGroupBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("").ExcludeFromDescription();
        health.MapGet("/healthz", Alive);
        health.MapGet("/readyz", ReadyAsync);
        return health;
    }

    internal static JsonHttpResult<HealthStatus> Alive() => TypedResults.Json(new HealthStatus("alive", null), ApiJsonContext.Default.HealthStatus);

    internal static async Task<JsonHttpResult<HealthStatus>> ReadyAsync(IReadinessProbe probe, CancellationToken cancellationToken)
    {
        var readiness = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        return readiness.Ready
            ? TypedResults.Json(new HealthStatus("ready", readiness.Reason), ApiJsonContext.Default.HealthStatus)
            : TypedResults.Json(new HealthStatus("not ready", readiness.Reason), ApiJsonContext.Default.HealthStatus, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>The body of the health endpoints.</summary>
/// <param name="Status">alive, ready or not ready.</param>
/// <param name="Reason">What was verified, or why the node is not ready.</param>
public sealed record HealthStatus(string Status, string? Reason);
