using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sentinel.Api.Auth;
using Sentinel.Api.Problems;
using Sentinel.Probes.Reporting;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// What can be done to a check without changing its definition: pause and resume it (file checks too), and run it
/// now on this node. They need no <c>If-Match</c>: doing one twice is the same as doing it once.
/// </summary>
internal static class CheckActionHandlers
{
    /// <summary>The request timeout policy of <c>/run</c>: a check's own timeout may be up to 10 minutes.</summary>
    public const string RunTimeoutPolicy = "run";

    public static void Map(RouteGroupBuilder checks)
    {
        checks.MapPost("/{id}/pause", PauseAsync).WithName("PauseCheck")
            .WithSummary("Stop scheduling a check until it is resumed.")
            .RequireAuthorization(ApiScopes.Write)
            .ProducesProblem(StatusCodes.Status404NotFound);
        checks.MapPost("/{id}/resume", ResumeAsync).WithName("ResumeCheck")
            .WithSummary("Schedule a paused check again.")
            .RequireAuthorization(ApiScopes.Write)
            .ProducesProblem(StatusCodes.Status404NotFound);
        checks.MapPost("/{id}/run", RunAsync).WithName("RunCheck")
            .WithSummary("Run a check now on this node; returns the result, which is stored like any other.")
            .RequireAuthorization(ApiScopes.Write)
            .WithRequestTimeout(RunTimeoutPolicy)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    internal static Task<Results<Ok<CheckResource>, ProblemHttpResult>> PauseAsync(HttpContext context, ICheckStore store, string id) =>
        SetPausedAsync(context, store, id, paused: true);

    internal static Task<Results<Ok<CheckResource>, ProblemHttpResult>> ResumeAsync(HttpContext context, ICheckStore store, string id) =>
        SetPausedAsync(context, store, id, paused: false);

    internal static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> RunAsync(HttpContext context, ICheckRunner runner, string id)
    {
        if (!ChecksEndpoints.IsId(id))
        {
            return ApiProblem.CheckNotFound(id);
        }

        if (!runner.CanRun)
        {
            return ApiProblem.Of(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Unavailable,
                "this node runs no probes (role api); send the request to a node of role all or worker");
        }

        var result = await runner.RunAsync(id, context.RequestAborted).ConfigureAwait(false);
        return result is null
            ? ApiProblem.CheckNotFound(id)
            : TypedResults.Ok(CheckResource.Json(ProbeResultJson.Serialize(result)));
    }

    private static async Task<Results<Ok<CheckResource>, ProblemHttpResult>> SetPausedAsync(HttpContext context, ICheckStore store, string id, bool paused)
    {
        if (!ChecksEndpoints.IsId(id))
        {
            return ApiProblem.CheckNotFound(id);
        }

        var write = await store.SetPausedAsync(id, paused, ChecksEndpoints.Actor(context), context.RequestAborted).ConfigureAwait(false);
        return write.Status == CheckWriteStatus.Done ? ChecksEndpoints.Found(context, write.Check!) : ApiProblem.CheckNotFound(id);
    }
}
