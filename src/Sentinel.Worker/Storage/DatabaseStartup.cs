using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Applies migrations at start-up, retrying while the database is unreachable, then marks the database
/// ready. The HTTP endpoints serve meanwhile, so that <c>/healthz</c> answers and <c>/readyz</c> says why not.
/// </summary>
internal sealed class DatabaseStartup(Migrations migrations, DatabaseState state, TimeProvider time, ILogger<DatabaseStartup> log) : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await migrations.ApplyAsync(stoppingToken).ConfigureAwait(false);
                state.MarkReady();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or MigrationException or TimeoutException or System.Net.Sockets.SocketException)
            {
                state.LastError = ex.Message;
                Log.DatabaseNotReady(log, ex.Message, delay.TotalSeconds);
            }

            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }
}
