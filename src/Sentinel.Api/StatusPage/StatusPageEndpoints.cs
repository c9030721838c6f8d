using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Sentinel.Api.Auth;
using Sentinel.Api.Endpoints;
using Sentinel.Api.Protection;

namespace Sentinel.Api.StatusPage;

/// <summary>
/// <c>/status</c>: every check (or those with <see cref="StatusPageOptions.Label"/>) with its state, since when, its
/// last failure and uptime, and the certificates by days left, as one server-rendered page that needs no JavaScript.
/// With JavaScript, it reloads its content when <c>/status/events</c> — the <c>/v1/events</c> feed, under the page's own
/// access rule and reduced to which kind of event happened — says something changed: a browser's EventSource cannot send
/// an API key, and a public page must not publish the results' details.
/// </summary>
public static class StatusPageEndpoints
{
    /// <summary>Maps <c>/status</c> and <c>/status/events</c> when the page is enabled.</summary>
    public static void MapStatusPage(this IEndpointRouteBuilder endpoints, StatusPageOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        var page = endpoints.MapGroup("/status").ExcludeFromDescription().RequireRateLimiting(RateLimits.Policy);
        if (!options.Public)
        {
            page.RequireAuthorization(ApiScopes.Read);
        }

        page.MapGet("", RenderAsync);
        page.MapGet("/events", Signals).DisableRequestTimeout();
    }

    internal static async Task<ContentHttpResult> RenderAsync(HttpContext context, IResultHistory history, TimeProvider time, IOptions<StatusPageOptions> options)
    {
        var view = await StatusPageView.LoadAsync(history, options.Value, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.ContentSecurityPolicy = StatusPageHtml.ContentSecurityPolicy;
        return TypedResults.Content(StatusPageHtml.Render(view, options.Value.Title), "text/html; charset=utf-8");
    }

    internal static async Task<ServerSentEventsResult<JsonElement>> Signals(
        HttpContext context, IEventFeed feed, IResultHistory history, IOptions<ApiOptions> api, IOptions<StatusPageOptions> options, TimeProvider time,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId)
    {
        // Only the page's checks; a set that names none keeps every check's event out.
        var checks = new HashSet<string>(StringComparer.Ordinal) { string.Empty };
        if (options.Value.LabelFilter is null)
        {
            checks.Clear();
        }
        else
        {
            var latest = await history.GetLatestAsync(context.RequestAborted).ConfigureAwait(false);
            checks.UnionWith(StatusPageView.Shown(latest, options.Value).Select(c => c.Check));
        }

        var resume = lastEventId is { Length: <= 128 } ? lastEventId : null;
        return TypedResults.ServerSentEvents(Reduced(EventsEndpoints.Events(feed, checks, resume, api.Value.EventHeartbeat, time, context.RequestAborted), context.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<JsonElement>> Reduced(IAsyncEnumerable<SseItem<JsonElement>> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var empty = CheckResource.Json("{}");
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return new SseItem<JsonElement>(empty, item.EventType) { EventId = item.EventId };
        }
    }
}
