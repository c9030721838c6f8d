using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sentinel.Api.Problems;

namespace Sentinel.Api.Endpoints;

/// <summary><c>GET /v1/alerts</c>: the firing and recently changed alerts, from the table every node shares.</summary>
public static class AlertsEndpoints
{
    /// <summary>Maps the alerts resource under <paramref name="v1"/>.</summary>
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder v1)
    {
        var alerts = v1.MapGroup("/alerts").WithTags("alerts");
        alerts.MapGet("/", ListAsync).WithName("ListAlerts")
            .WithSummary("Firing alerts, then the recently changed ones, filtered by state, kind and check; at most limit (default 50, 1–500).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return alerts;
    }

    internal static async Task<Results<Ok<AlertList>, ProblemHttpResult>> ListAsync(
        HttpContext context, IAlertStore store, string? state, string? kind, string? check, string? limit)
    {
        var size = ChecksEndpoints.DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > ChecksEndpoints.MaxLimit))
        {
            return ApiProblem.InvalidParameter("limit", $"must be a whole number from 1 to {ChecksEndpoints.MaxLimit}, got \"{ApiProblem.Shorten(limit)}\"");
        }

        if (state is not null && !AlertQuery.States.Contains(state, StringComparer.Ordinal))
        {
            return ApiProblem.InvalidParameter("state", $"unknown state \"{ApiProblem.Shorten(state)}\"; expected one of: {string.Join(", ", AlertQuery.States)}");
        }

        if (kind is not null && !AlertQuery.Kinds.Contains(kind, StringComparer.Ordinal))
        {
            return ApiProblem.InvalidParameter("kind", $"unknown kind \"{ApiProblem.Shorten(kind)}\"; expected one of: {string.Join(", ", AlertQuery.Kinds)}");
        }

        if (check is not null && !ChecksEndpoints.IsId(check))
        {
            return ApiProblem.InvalidParameter("check", $"not a check id: \"{ApiProblem.Shorten(check)}\"");
        }

        var alerts = await store.ListAsync(new AlertQuery(size, state, kind, check), context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(new AlertList(alerts));
    }
}
