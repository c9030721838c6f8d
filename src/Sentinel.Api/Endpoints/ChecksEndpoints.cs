using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Sentinel.Api.Auth;
using Sentinel.Api.Problems;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// <c>/v1/checks</c>: list (filters, cursor pages), read, history, and the writes of <see cref="CheckWriteHandlers"/>
/// and <see cref="CheckActionHandlers"/>. Reads need a key of scope read, writes one of scope write.
/// </summary>
public static partial class ChecksEndpoints
{
    /// <summary>The default page size of lists.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The largest page size of lists.</summary>
    public const int MaxLimit = 500;

    internal const string CheckCursor = "c1";
    internal const string HistoryCursor = "h1";

    private static readonly string[] Statuses = ["up", "degraded", "down", "unknown", "pending", "paused", "disabled"];

    /// <summary>Maps the checks resource under <paramref name="v1"/>.</summary>
    public static RouteGroupBuilder MapChecksApi(this RouteGroupBuilder v1)
    {
        var checks = v1.MapGroup("/checks").WithTags("checks");
        checks.MapGet("/", ListAsync).WithName("ListChecks")
            .WithSummary("List checks, filtered by type, label (label=team:payments, repeatable) and status, a page at a time.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        checks.MapGet("/{id}", GetAsync).WithName("GetCheck")
            .WithSummary("One check, with its ETag.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        checks.MapGet("/{id}/history", HistoryAsync).WithName("GetCheckHistory")
            .WithSummary("Every recorded change of a check (key, time, before and after), newest first.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        CheckWriteHandlers.Map(checks);
        CheckActionHandlers.Map(checks);
        CheckResultsHandlers.Map(checks);
        return checks;
    }

    internal static async Task<Results<Ok<CheckPage>, ProblemHttpResult>> ListAsync(
        HttpContext context, ICheckStore store, string? type, string[]? label, string? status, string? cursor, string? limit)
    {
        var (pageSize, limitProblem) = ParseLimit(limit);
        if (limitProblem is not null)
        {
            return limitProblem;
        }

        string? after = null;
        if (cursor is not null && !Cursors.TryDecode(cursor, CheckCursor, out after))
        {
            return ApiProblem.InvalidParameter("cursor", "not a cursor of this listing; pass the nextCursor of a previous page as it was");
        }

        if (type is not null && Sentinel.Probes.ProbeCatalog.Default.Find(type) is null)
        {
            return ApiProblem.InvalidParameter("type", $"unknown type \"{ApiProblem.Shorten(type)}\"; expected one of: {string.Join(", ", Sentinel.Probes.ProbeCatalog.Default.Types.Select(t => t.Name))}");
        }

        if (status is not null && !Statuses.Contains(status, StringComparer.Ordinal))
        {
            return ApiProblem.InvalidParameter("status", $"unknown status \"{ApiProblem.Shorten(status)}\"; expected one of: {string.Join(", ", Statuses)}");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in label ?? [])
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !LabelName().IsMatch(pair[..colon]) || !labels.TryAdd(pair[..colon], pair[(colon + 1)..]))
            {
                return ApiProblem.InvalidParameter("label", $"expected name:value with a label name such as team:payments, each name once, got \"{ApiProblem.Shorten(pair)}\"");
            }
        }

        var (items, more) = await store.ListAsync(new CheckQuery(pageSize, after, type, labels, status), context.RequestAborted).ConfigureAwait(false);
        var next = more && items.Count > 0 ? Cursors.Encode(CheckCursor, items[^1].Id) : null;
        if (next is not null)
        {
            context.Response.Headers.Link = $"<{NextLink(context.Request, next)}>; rel=\"next\"";
        }

        return TypedResults.Ok(new CheckPage(items.Select(CheckResource.From).ToList(), next));
    }

    internal static async Task<Results<Ok<CheckResource>, ProblemHttpResult>> GetAsync(HttpContext context, ICheckStore store, string id)
    {
        if (!IsId(id) || await store.FindAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } check)
        {
            return ApiProblem.CheckNotFound(id);
        }

        return Found(context, check);
    }

    internal static async Task<Results<Ok<CheckHistory>, ProblemHttpResult>> HistoryAsync(
        HttpContext context, ICheckStore store, string id, string? cursor, string? limit)
    {
        var parsedLimit = ParseLimit(limit);
        if (parsedLimit.Problem is { } limitProblem)
        {
            return limitProblem;
        }

        long? before = null;
        if (cursor is not null)
        {
            if (!Cursors.TryDecode(cursor, HistoryCursor, out var key) || !long.TryParse(key, out var value) || value <= 0)
            {
                return ApiProblem.InvalidParameter("cursor", "not a cursor of this history; pass the nextCursor of a previous page as it was");
            }

            before = value;
        }

        if (!IsId(id))
        {
            return ApiProblem.CheckNotFound(id);
        }

        var (items, more) = await store.HistoryAsync(id, before, parsedLimit.Value, context.RequestAborted).ConfigureAwait(false);
        if (items.Count == 0 && before is null && await store.FindAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            return ApiProblem.CheckNotFound(id);
        }

        var next = more && items.Count > 0 ? Cursors.Encode(HistoryCursor, items[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
        return TypedResults.Ok(new CheckHistory(id, items.Select(CheckChange.From).ToList(), next));
    }

    /// <summary>200 with the check and its ETag.</summary>
    internal static Ok<CheckResource> Found(HttpContext context, CheckRecord check)
    {
        context.Response.Headers.ETag = EntityTags.Of(check.Version);
        return TypedResults.Ok(CheckResource.From(check));
    }

    /// <summary>Whether <paramref name="id"/> can be a check's id; anything else names no check, and reaches no query.</summary>
    internal static bool IsId(string id) => id.Length <= 64 && CheckId().IsMatch(id);

    /// <summary>The name of the key that makes a change, for the history.</summary>
    internal static string Actor(HttpContext context) => context.User.Identity?.Name ?? "anonymous";

    private static (int Value, ProblemHttpResult? Problem) ParseLimit(string? limit)
    {
        if (limit is null)
        {
            return (DefaultLimit, null);
        }

        return int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxLimit
            ? (value, null)
            : (0, ApiProblem.InvalidParameter("limit", $"must be a whole number from 1 to {MaxLimit}, got \"{ApiProblem.Shorten(limit)}\""));
    }

    private static string NextLink(HttpRequest request, string cursor)
    {
        var query = request.Query.Where(q => q.Key != "cursor").ToDictionary(q => q.Key, q => q.Value);
        query["cursor"] = new StringValues(cursor);
        return request.PathBase + request.Path + Microsoft.AspNetCore.Http.QueryString.Create(query);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex CheckId();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();
}
