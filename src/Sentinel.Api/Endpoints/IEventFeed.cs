namespace Sentinel.Api.Endpoints;

/// <summary>
/// What happened to checks and results on any node, in the order this node heard of it; the worker implements it over
/// PostgreSQL's notifications. It keeps a bounded window of recent events so that a client that reconnects with the
/// last id it saw misses nothing that is still in the window.
/// </summary>
public interface IEventFeed
{
    /// <summary>
    /// The events after <paramref name="lastEventId"/> that are still in the window (none without an id), then every
    /// new one, until <paramref name="cancellationToken"/> fires. When the id is not one of this feed's, or is older
    /// than the window, the first event is a <c>reset</c>: the client should read the state again. A client too slow to
    /// keep up has its stream ended; it reconnects and resumes.
    /// </summary>
    IAsyncEnumerable<FeedEvent> ReadAsync(string? lastEventId, CancellationToken cancellationToken);
}

/// <summary>One event.</summary>
/// <param name="Id">Its id, for <c>Last-Event-ID</c>.</param>
/// <param name="Type"><c>result</c>, <c>check</c> or <c>reset</c>.</param>
/// <param name="CheckId">The check it is about; null for a reset.</param>
/// <param name="Data">Its JSON.</param>
public sealed record FeedEvent(string Id, string Type, string? CheckId, string Data);
