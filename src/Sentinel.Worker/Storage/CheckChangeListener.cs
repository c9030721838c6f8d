using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Sentinel.Worker.Resilience;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Makes a change of the checks table on any node one more source of <see cref="CheckChanges"/>: it LISTENs on the
/// channel the table's trigger notifies (migration 0007) and signals every follower here, so that this node's
/// scheduler and metrics view follow within moments rather than at the next poll. Connecting again after the database
/// went away goes through <see cref="Backoff"/>, and is followed by one signal, for what happened meanwhile.
/// </summary>
internal sealed class CheckChangeListener : BackgroundService
{
    /// <summary>The channel of the <c>checks_changed</c> trigger.</summary>
    public const string Channel = "sentinel_checks_changed";

    private readonly NpgsqlDataSource _dataSource;
    private readonly CheckChanges _changes;
    private readonly DatabaseState _database;
    private readonly ILogger<CheckChangeListener> _log;
    private readonly ResiliencePipeline _connect;

    public CheckChangeListener(NpgsqlDataSource dataSource, CheckChanges changes, DatabaseState database, TimeProvider time, ILogger<CheckChangeListener> log)
    {
        _dataSource = dataSource;
        _changes = changes;
        _database = database;
        _log = log;
        _connect = Backoff.Create(time, IsTransient, (ex, delay) => Log.CheckChangeListenFailed(log, ex.Message, Backoff.Seconds(delay)));
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
            connection.Notification += (_, _) => _changes.Notify();
            await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
            {
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // A change made while this node was not listening was heard by nobody here.
            _changes.Notify();
            Log.ListeningForCheckChanges(_log, Channel);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static bool IsTransient(Exception ex) => ex is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}
