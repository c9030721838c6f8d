using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Sentinel.Worker.Resilience;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Applies migrations at start-up, retrying with <see cref="Backoff"/> while the database is unreachable, then marks
/// the database ready. The HTTP endpoints serve meanwhile, so that <c>/healthz</c> answers and <c>/readyz</c> says why not.
/// </summary>
internal sealed class DatabaseStartup : BackgroundService
{
    private readonly Migrations _migrations;
    private readonly DatabaseState _state;
    private readonly ResiliencePipeline _retry;

    public DatabaseStartup(Migrations migrations, DatabaseState state, TimeProvider time, ILogger<DatabaseStartup> log)
    {
        _migrations = migrations;
        _state = state;
        _retry = Backoff.Create(time, IsTransient, (ex, delay) =>
        {
            state.LastError = ex.Message;
            Log.DatabaseNotReady(log, ex.Message, Backoff.Seconds(delay));
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _retry.ExecuteAsync(async cancellationToken => await _migrations.ApplyAsync(cancellationToken).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
            _state.MarkReady();
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested && (ex is OperationCanceledException || IsTransient(ex)))
        {
            // Stopped before the database was ready.
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is NpgsqlException or MigrationException or TimeoutException or System.Net.Sockets.SocketException;
}
