using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Sentinel.Worker.Resilience;

namespace Sentinel.Worker.Storage;

/// <summary>
/// What any node changed, heard from PostgreSQL: it LISTENs on the channel of the checks table's trigger (migration 0007)
/// and on the one every node's result writer announces its results on (<see cref="ResultBatchWriter"/>). A change
/// of the checks table is one more source of <see cref="CheckChanges"/>, so that this node's scheduler and metrics view
/// follow within moments rather than at the next poll; other parts take the notifications they need with
/// <see cref="On"/> (the event stream takes both channels). Connecting again after the database went away goes through
/// <see cref="Backoff"/>, and is followed by one checks signal, for what happened meanwhile.
/// </summary>
internal sealed class NotificationListener : BackgroundService
{
    /// <summary>The channel of the <c>checks_changed</c> trigger; the payload is <c>{"check", "change"}</c>.</summary>
    public const string ChecksChannel = "sentinel_checks_changed";

    /// <summary>
    /// The channel of stored results, one notification per result sent by the writer that stored it; the payload is the
    /// result's id, check, status and timing.
    /// </summary>
    public const string ResultsChannel = "sentinel_results";

    private static readonly string[] Channels = [ChecksChannel, ResultsChannel];

    private readonly Lock _lock = new();
    private readonly List<(string Channel, Action<string> Handler)> _handlers = [];

    private readonly NpgsqlDataSource _dataSource;
    private readonly CheckChanges _changes;
    private readonly DatabaseState _database;
    private readonly ILogger<NotificationListener> _log;
    private readonly ResiliencePipeline _connect;

    public NotificationListener(NpgsqlDataSource dataSource, CheckChanges changes, DatabaseState database, TimeProvider time, ILogger<NotificationListener> log)
    {
        _dataSource = dataSource;
        _changes = changes;
        _database = database;
        _log = log;
        _connect = Backoff.Create(time, IsTransient, (ex, delay) => Log.CheckChangeListenFailed(log, ex.Message, Backoff.Seconds(delay)));
        On(ChecksChannel, _ => changes.Notify());
    }

    /// <summary>Calls <paramref name="handler"/> with the payload of every notification on <paramref name="channel"/> from now on.</summary>
    public void On(string channel, Action<string> handler)
    {
        lock (_lock)
        {
            _handlers.Add((channel, handler));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _database.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (true)
            {
                var connection = await _connect.ExecuteAsync(ListenAsync, stoppingToken).ConfigureAwait(false);
                try
                {
                    while (true)
                    {
                        await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (IsTransient(ex) && !stoppingToken.IsCancellationRequested)
                {
                    Log.CheckChangeListenFailed(_log, ex.Message, 0);
                }
                finally
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async ValueTask<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
            foreach (var channel in Channels)
            {
                await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // A change made while this node was not listening was heard by nobody here.
            _changes.Notify();
            Log.ListeningForCheckChanges(_log, string.Join(", ", Channels));
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Dispatch(string channel, string payload)
    {
        List<Action<string>> handlers;
        lock (_lock)
        {
            handlers = _handlers.Where(h => h.Channel == channel).Select(h => h.Handler).ToList();
        }

        foreach (var handler in handlers)
        {
            handler(payload);
        }
    }

    private static bool IsTransient(Exception ex) => ex is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}
