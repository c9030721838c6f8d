using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Sentinel.Api.Endpoints;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

/// <summary>
/// The event stream's source on this node (<see cref="IEventFeed"/>): every stored result and every change of a check,
/// as PostgreSQL notifies them (so results of every node), numbered in the order they arrive here. The last
/// <see cref="Window"/> events are kept, so that a client that reconnects with the last id it saw gets what it missed.
/// Ids are this process's (an incarnation and a sequence number): an id from another node, or from before a restart,
/// gets a <c>reset</c> event first.
/// </summary>
internal sealed class LiveEvents : IEventFeed
{
    /// <summary>How many recent events are kept for resuming.</summary>
    public const int Window = 4096;

    /// <summary>How many events one reader may fall behind before its stream is ended (it reconnects and resumes).</summary>
    public const int ReaderBacklog = 1024;

    private readonly string _incarnation = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly FeedEvent?[] _recent = new FeedEvent?[Window];
    private readonly List<Channel<FeedEvent>> _readers = [];
    private readonly Lock _lock = new();
    private long _sequence;

    public LiveEvents(NotificationListener notifications)
    {
        notifications.On(NotificationListener.ResultsChannel, ResultStored);
        notifications.On(NotificationListener.ChecksChannel, CheckChanged);
    }

    /// <summary>A result was stored (the notification's JSON payload: id, check, status, startedAt, …).</summary>
    public void ResultStored(string payload) => Publish("result", payload);

    /// <summary>A check changed (the notification's JSON payload: check, change).</summary>
    public void CheckChanged(string payload) => Publish("check", payload);

    public async IAsyncEnumerable<FeedEvent> ReadAsync(string? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = Channel.CreateBounded<FeedEvent>(new BoundedChannelOptions(ReaderBacklog) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        List<FeedEvent> missed;
        bool reset;
        lock (_lock)
        {
            (missed, reset) = Since(lastEventId);
            _readers.Add(reader);
        }

        try
        {
            if (reset)
            {
                yield return new FeedEvent($"{_incarnation}.{Volatile.Read(ref _sequence)}", "reset", null, """{"reason":"the last event id is not in this node's window; read the state again"}""");
            }

            foreach (var item in missed)
            {
                yield return item;
            }

            await foreach (var item in reader.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            lock (_lock)
            {
                _readers.Remove(reader);
            }
        }
    }

    private void Publish(string type, string payload)
    {
        string? check = null;
        try
        {
            using var json = JsonDocument.Parse(payload);
            check = json.RootElement.TryGetProperty("check", out var c) ? c.GetString() : null;
        }
        catch (JsonException)
        {
            return;
        }

        lock (_lock)
        {
            var sequence = ++_sequence;
            var item = new FeedEvent($"{_incarnation}.{sequence.ToString(CultureInfo.InvariantCulture)}", type, check, payload);
            _recent[sequence % Window] = item;
            foreach (var reader in _readers)
            {
                // A reader that fell this far behind is ended rather than waited for: it resumes from the window.
                if (!reader.Writer.TryWrite(item))
                {
                    reader.Writer.TryComplete();
                }
            }
        }
    }

    /// <summary>The kept events after <paramref name="lastEventId"/>; whether the client must start over instead.</summary>
    private (List<FeedEvent> Missed, bool Reset) Since(string? lastEventId)
    {
        if (lastEventId is null)
        {
            return ([], false);
        }

        var dot = lastEventId.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || lastEventId[..dot] != _incarnation
            || !long.TryParse(lastEventId[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var last) || last > _sequence)
        {
            return ([], true);
        }

        var oldest = Math.Max(1, _sequence - Window + 1);
        if (last + 1 < oldest)
        {
            return ([], true);
        }

        var missed = new List<FeedEvent>();
        for (var sequence = last + 1; sequence <= _sequence; sequence++)
        {
            missed.Add(_recent[sequence % Window]!);
        }

        return (missed, false);
    }
}
