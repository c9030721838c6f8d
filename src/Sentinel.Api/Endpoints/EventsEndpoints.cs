using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Sentinel.Api.Problems;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// <c>GET /v1/events</c>: Server-Sent Events of every stored result (<c>result</c>) and every change of a check
/// (<c>check</c>), from every node, optionally only for some checks (<c>check=ID</c>, repeatable). Each event has an
/// <c>id:</c>; a client that reconnects with <c>Last-Event-ID</c> gets what it missed while that is in the feed's
/// window. A <c>heartbeat</c> event every <see cref="ApiOptions.EventHeartbeat"/> keeps proxies from closing an idle
/// stream.
/// </summary>
public static class EventsEndpoints
{
    /// <summary>Maps the event stream under <paramref name="v1"/>.</summary>
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/events", Stream).WithName("StreamEvents").WithTags("events")
            .WithSummary("Server-Sent Events of results and check changes, resumable with Last-Event-ID.")
            .DisableRequestTimeout()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return v1;
    }

    internal static Results<ServerSentEventsResult<JsonElement>, ProblemHttpResult> Stream(
        HttpContext context, IEventFeed feed, IOptions<ApiOptions> options, TimeProvider time,
        string[]? check, [FromHeader(Name = "Last-Event-ID")] string? lastEventId)
    {
        var checks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in check ?? [])
        {
            if (!ChecksEndpoints.IsId(id))
            {
                return ApiProblem.InvalidParameter("check", $"not a check id: \"{ApiProblem.Shorten(id)}\"");
            }

            checks.Add(id);
        }

        if (lastEventId is { Length: > 128 })
        {
            return ApiProblem.InvalidParameter("Last-Event-ID", "longer than any event id of this stream");
        }

        return TypedResults.ServerSentEvents(Events(feed, checks, lastEventId, options.Value.EventHeartbeat, time, context.RequestAborted));
    }

    /// <summary>
    /// The feed's events for <paramref name="checks"/> (every check when empty; resets always), with a heartbeat
    /// whenever nothing came for <paramref name="heartbeat"/>.
    /// </summary>
    internal static async IAsyncEnumerable<SseItem<JsonElement>> Events(
        IEventFeed feed, HashSet<string> checks, string? lastEventId, TimeSpan heartbeat, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The feed stops with this stream however it ends: a client gone, or a write that failed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = feed.ReadAsync(lastEventId, stop.Token).GetAsyncEnumerator(stop.Token);
        var next = events.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                // A heartbeat whenever nothing came for a while; the pending read carries on.
                using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var beat = Task.Delay(heartbeat, time, quiet.Token);
                    var first = await Task.WhenAny(next, beat).ConfigureAwait(false);
                    await quiet.CancelAsync().ConfigureAwait(false);
                    if (first != next)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        yield return new SseItem<JsonElement>(CheckResource.Json("{}"), "heartbeat");
                        continue;
                    }
                }

                if (!await next.ConfigureAwait(false))
                {
                    yield break;
                }

                var item = events.Current;
                if (item.CheckId is null || checks.Count == 0 || checks.Contains(item.CheckId))
                {
                    yield return new SseItem<JsonElement>(CheckResource.Json(item.Data), item.Type) { EventId = item.Id };
                }

                next = events.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The read the stream no longer waits for.
            }

            await events.DisposeAsync().ConfigureAwait(false);
        }
    }
}
