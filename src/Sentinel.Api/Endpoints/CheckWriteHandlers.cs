using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Sentinel.Api.Auth;
using Sentinel.Api.Problems;
using Sentinel.Probes.Checks;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// POST, PUT, PATCH (JSON merge patch) and DELETE of checks. Changes need <c>If-Match</c> with the check's current
/// ETag (428 without, 412 when it is stale), and only API-owned checks change here: a file's check is changed in its
/// file (409 naming it).
/// </summary>
internal static class CheckWriteHandlers
{
    public static void Map(RouteGroupBuilder checks)
    {
        checks.MapPost("/", CreateAsync).WithName("CreateCheck")
            .WithSummary("Create a check from its JSON definition.")
            .Accepts<System.Text.Json.JsonElement>(CheckBodies.Json)
            .RequireAuthorization(ApiScopes.Write)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        checks.MapPut("/{id}", ReplaceAsync).WithName("ReplaceCheck")
            .WithSummary("Replace a check's definition; needs If-Match with its ETag.")
            .Accepts<System.Text.Json.JsonElement>(CheckBodies.Json)
            .RequireAuthorization(ApiScopes.Write)
            .ProducesChangeProblems();
        checks.MapPatch("/{id}", PatchAsync).WithName("PatchCheck")
            .WithSummary("Change part of a check's definition with a JSON merge patch (RFC 7396); needs If-Match with its ETag.")
            .Accepts<System.Text.Json.JsonElement>(CheckBodies.MergePatch)
            .RequireAuthorization(ApiScopes.Write)
            .ProducesChangeProblems();
        checks.MapDelete("/{id}", DeleteAsync).WithName("DeleteCheck")
            .WithSummary("Delete a check; needs If-Match with its ETag.")
            .RequireAuthorization(ApiScopes.Write)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
    }

    internal static async Task<Results<Created<CheckResource>, ProblemHttpResult>> CreateAsync(HttpContext context, ICheckStore store, IOptions<ApiOptions> options)
    {
        var (body, readProblem) = await CheckBodies.ReadAsync(context.Request, CheckBodies.Json, options.Value.MaxBodyBytes).ConfigureAwait(false);
        if (readProblem is not null)
        {
            return readProblem;
        }

        var (check, problem) = CheckBodies.Parse(body!);
        if (problem is not null)
        {
            return problem;
        }

        var write = await store.CreateAsync(check!, ChecksEndpoints.Actor(context), context.RequestAborted).ConfigureAwait(false);
        if (write.Status == CheckWriteStatus.Conflict)
        {
            return Taken(write.Check!);
        }

        context.Response.Headers.ETag = EntityTags.Of(write.Check!.Version);
        return TypedResults.Created($"/v1/checks/{write.Check.Id}", CheckResource.From(write.Check));
    }

    internal static Task<Results<Ok<CheckResource>, ProblemHttpResult>> ReplaceAsync(HttpContext context, ICheckStore store, IOptions<ApiOptions> options, string id) =>
        ChangeAsync(context, store, options.Value, id, CheckBodies.Json, "replace", (_, body) => CheckBodies.Parse(body));

    internal static Task<Results<Ok<CheckResource>, ProblemHttpResult>> PatchAsync(HttpContext context, ICheckStore store, IOptions<ApiOptions> options, string id) =>
        ChangeAsync(context, store, options.Value, id, CheckBodies.MergePatch, "patch", (current, body) => CheckBodies.ApplyMergePatch(current.Definition, body));

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(HttpContext context, ICheckStore store, string id)
    {
        var (current, problem) = await CurrentAsync(context, store, id).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var write = await store.DeleteAsync(id, current!.Version, ChecksEndpoints.Actor(context), context.RequestAborted).ConfigureAwait(false);
        return Outcome(write, id) is { } failed ? failed : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<CheckResource>, ProblemHttpResult>> ChangeAsync(
        HttpContext context, ICheckStore store, ApiOptions options, string id, string mediaType, string action,
        Func<CheckRecord, byte[], (ParsedCheck? Check, ProblemHttpResult? Problem)> parse)
    {
        var (current, problem) = await CurrentAsync(context, store, id).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var (body, readProblem) = await CheckBodies.ReadAsync(context.Request, mediaType, options.MaxBodyBytes).ConfigureAwait(false);
        if (readProblem is not null)
        {
            return readProblem;
        }

        var (check, parseProblem) = parse(current!, body!);
        if (parseProblem is not null)
        {
            return parseProblem;
        }

        if (check!.Definition.Id != id)
        {
            return ApiProblem.Of(StatusCodes.Status422UnprocessableEntity, ProblemTypes.InvalidCheck, "the check is not valid: 1 problem; see errors",
                new Dictionary<string, object?> { ["errors"] = new[] { new CheckProblem("$.id", null, $"must be \"{id}\", the id in the URL; a check's id cannot change (create a new check instead), got \"{check.Definition.Id}\"") } });
        }

        var write = await store.ReplaceAsync(check, current!.Version, action, ChecksEndpoints.Actor(context), context.RequestAborted).ConfigureAwait(false);
        return Outcome(write, id) is { } failed ? failed : ChecksEndpoints.Found(context, write.Check!);
    }

    /// <summary>
    /// The check a change is about, after the tests every change makes in this order: it exists (404), it is the API's
    /// (409), <c>If-Match</c> is there (428) and names its current version (412).
    /// </summary>
    private static async Task<(CheckRecord? Check, ProblemHttpResult? Problem)> CurrentAsync(HttpContext context, ICheckStore store, string id)
    {
        if (!ChecksEndpoints.IsId(id) || await store.FindAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } current)
        {
            return (null, ApiProblem.CheckNotFound(id));
        }

        if (current.Origin != "api")
        {
            return (null, FileOwned(current));
        }

        var ifMatch = context.Request.Headers.IfMatch;
        if (ifMatch.Count == 0)
        {
            return (null, ApiProblem.Of(StatusCodes.Status428PreconditionRequired, ProblemTypes.PreconditionRequired,
                $"send If-Match with the check's ETag ({EntityTags.Of(current.Version)} now), so that a change made meanwhile by someone else is not overwritten"));
        }

        return EntityTags.Matches(ifMatch, current.Version) ? (current, null) : (null, Stale(current));
    }

    private static ProblemHttpResult? Outcome(CheckWrite write, string id) => write.Status switch
    {
        CheckWriteStatus.Done => null,
        CheckWriteStatus.NotFound => ApiProblem.CheckNotFound(id),
        CheckWriteStatus.Conflict => FileOwned(write.Check!),
        _ => write.Check is { } now ? Stale(now) : ApiProblem.CheckNotFound(id),
    };

    private static ProblemHttpResult Stale(CheckRecord current) =>
        ApiProblem.Of(StatusCodes.Status412PreconditionFailed, ProblemTypes.PreconditionFailed,
            $"the check changed since that ETag was read; its ETag is now {EntityTags.Of(current.Version)}: read it again, then retry the change");

    private static ProblemHttpResult Taken(CheckRecord existing) => existing.Origin == "api"
        ? ApiProblem.Of(StatusCodes.Status409Conflict, ProblemTypes.DuplicateId, $"a check with the id \"{existing.Id}\" exists already; change it with PUT or PATCH, or choose another id")
        : FileOwned(existing);

    internal static ProblemHttpResult FileOwned(CheckRecord check) =>
        ApiProblem.Of(StatusCodes.Status409Conflict, ProblemTypes.FileOwned,
            $"the check \"{check.Id}\" is defined in the file {check.Source ?? "(unknown)"} of the checks folder; change it there",
            new Dictionary<string, object?> { ["file"] = check.Source });

    private static RouteHandlerBuilder ProducesChangeProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status428PreconditionRequired);
}
