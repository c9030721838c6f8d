using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Sentinel.Api.Problems;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// What a check's runs left behind, over <see cref="IResultHistory"/>: its latest state, its results over a range (raw
/// runs for short ranges, minute or hour buckets for long ones) and its uptime. Times are RFC 3339 (<c>2026-03-10T12:00:00Z</c>);
/// ranges are half-open, [from, to).
/// </summary>
internal static class CheckResultsHandlers
{
    /// <summary>The longest range a request may ask for: the default retention of hour rollups.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    /// <summary>The most runs or buckets one page holds (<see cref="IResultHistory.GetHistoryAsync"/>'s bound).</summary>
    public const int MaxLimit = 10_000;

    /// <summary>The page size without <c>limit</c>.</summary>
    public const int DefaultLimit = 2_000;

    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Map(RouteGroupBuilder checks)
    {
        checks.MapGet("/{id}/latest", LatestAsync).WithName("GetCheckLatest")
            .WithSummary("A check's latest stored run, whichever node ran it: status, since when, the last failure with its hint.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        checks.MapGet("/{id}/results", ResultsAsync).WithName("GetCheckResults")
            .WithSummary("A check's results in [from, to) (default: the last hour): raw runs up to 6 h, minute buckets up to 24 h, hour buckets beyond; a page of at most limit points, the next from in 'next'.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        checks.MapGet("/{id}/uptime", UptimeAsync).WithName("GetCheckUptime")
            .WithSummary("The share of a check's runs in [from, to) (default: the last 24 hours) that were up or degraded.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    internal static async Task<Results<Ok<CheckLatest>, ProblemHttpResult>> LatestAsync(HttpContext context, IResultHistory history, string id)
    {
        if (!ChecksEndpoints.IsId(id) || await history.GetLatestAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } latest)
        {
            return ApiProblem.CheckNotFound(id);
        }

        return TypedResults.Ok(latest);
    }

    internal static async Task<Results<Ok<ResultHistoryPage>, ProblemHttpResult>> ResultsAsync(
        HttpContext context, IResultHistory history, ICheckStore checks, TimeProvider time, string id, string? from, string? to, string? limit, string? resolution)
    {
        var (range, problem) = Range(from, to, time.GetUtcNow(), TimeSpan.FromHours(1));
        if (problem is not null)
        {
            return problem;
        }

        var pageSize = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxLimit))
        {
            return ApiProblem.InvalidParameter("limit", $"must be a whole number from 1 to {MaxLimit}, got \"{ApiProblem.Shorten(limit)}\"");
        }

        HistoryResolution? asked = resolution switch
        {
            null => null,
            "raw" => HistoryResolution.Raw,
            "minute" => HistoryResolution.Minute,
            "hour" => HistoryResolution.Hour,
            _ => (HistoryResolution)(-1),
        };
        if (asked is (HistoryResolution)(-1))
        {
            return ApiProblem.InvalidParameter("resolution", $"must be raw, minute or hour, got \"{ApiProblem.Shorten(resolution!)}\"");
        }

        if (!await ExistsAsync(context, checks, id).ConfigureAwait(false))
        {
            return ApiProblem.CheckNotFound(id);
        }

        var page = await history.GetHistoryAsync(id, range.From, range.To, asked, pageSize, context.RequestAborted).ConfigureAwait(false);
        if (page.Next is { } next)
        {
            context.Response.Headers.Link = $"<{NextLink(context.Request, next, range.To)}>; rel=\"next\"";
        }

        return TypedResults.Ok(page);
    }

    internal static async Task<Results<Ok<CheckUptime>, ProblemHttpResult>> UptimeAsync(
        HttpContext context, IResultHistory history, ICheckStore checks, TimeProvider time, string id, string? from, string? to)
    {
        var (range, problem) = Range(from, to, time.GetUtcNow(), TimeSpan.FromHours(24));
        if (problem is not null)
        {
            return problem;
        }

        if (!await ExistsAsync(context, checks, id).ConfigureAwait(false))
        {
            return ApiProblem.CheckNotFound(id);
        }

        return TypedResults.Ok(await history.GetUptimeAsync(id, range.From, range.To, context.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>
    /// The range of <paramref name="from"/> and <paramref name="to"/>: RFC 3339 times with an offset; <c>to</c> defaults
    /// to now and <c>from</c> to <paramref name="span"/> before <c>to</c>. Refused: anything else, from not before to, a
    /// range longer than <see cref="MaxRange"/>, times before 1970 or more than a day ahead.
    /// </summary>
    internal static ((DateTimeOffset From, DateTimeOffset To) Range, ProblemHttpResult? Problem) Range(string? from, string? to, DateTimeOffset now, TimeSpan span)
    {
        DateTimeOffset end = now, start;
        if (to is not null && !TryParseTime(to, out end))
        {
            return (default, ApiProblem.InvalidParameter("to", $"not a time such as 2026-03-10T12:00:00Z (RFC 3339, with Z or an offset), got \"{ApiProblem.Shorten(to)}\""));
        }

        if (from is null)
        {
            start = end - span;
        }
        else if (!TryParseTime(from, out start))
        {
            return (default, ApiProblem.InvalidParameter("from", $"not a time such as 2026-03-10T12:00:00Z (RFC 3339, with Z or an offset), got \"{ApiProblem.Shorten(from)}\""));
        }

        if (start < Earliest || end > now.AddDays(1))
        {
            return (default, ApiProblem.InvalidParameter(start < Earliest ? "from" : "to", "must lie between 1970-01-01 and a day from now"));
        }

        if (start >= end)
        {
            return (default, ApiProblem.InvalidParameter("from", $"must be before to ({end:yyyy-MM-ddTHH:mm:ss.FFFFFFFZ}), got {start:yyyy-MM-ddTHH:mm:ss.FFFFFFFZ}"));
        }

        if (end - start > MaxRange)
        {
            return (default, ApiProblem.InvalidParameter("from", $"the range may span at most {MaxRange.TotalDays:0} days; ask for it a piece at a time"));
        }

        return ((start, end), null);
    }

    /// <summary>An RFC 3339 date-time: a date, <c>T</c>, a time and an offset (<c>Z</c> or ±hh:mm); nothing looser.</summary>
    private static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        return text.Length is >= 20 and <= 40 && text[10] is 'T' or 't'
            && (text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static async Task<bool> ExistsAsync(HttpContext context, ICheckStore checks, string id) =>
        ChecksEndpoints.IsId(id) && await checks.FindAsync(id, context.RequestAborted).ConfigureAwait(false) is not null;

    /// <summary>The next page: the same query from <paramref name="next"/>, with the end pinned so that "now" does not move it.</summary>
    private static string NextLink(HttpRequest request, DateTimeOffset next, DateTimeOffset to)
    {
        var query = request.Query.Where(q => q.Key is not ("from" or "to")).ToDictionary(q => q.Key, q => q.Value);
        query["from"] = new StringValues(next.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture));
        query["to"] = new StringValues(to.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture));
        return request.PathBase + request.Path + QueryString.Create(query);
    }
}
