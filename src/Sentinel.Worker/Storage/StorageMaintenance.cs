using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Keeps history in shape, one round at start-up and then every <see cref="StorageOptions.MaintenanceInterval"/>:
/// makes the partitions of the coming days ahead of time, drops the partitions past retention (raw results, minute and
/// hour rollups) and the over-age rows of <c>results_undated</c>, then runs a rollup round (<see cref="ResultRollups"/>).
/// A round holds a PostgreSQL advisory lock, so that of several nodes one does the work; a node that does not get
/// the lock skips the round rather than waiting, since the other is doing the same work.
/// </summary>
internal sealed class StorageMaintenance(
    NpgsqlDataSource dataSource,
    DatabaseState database,
    ResultRollups rollups,
    IOptions<StorageOptions> options,
    TimeProvider time,
    ILogger<StorageMaintenance> log) : BackgroundService
{
    /// <summary>The advisory lock key, "SNTM" in ASCII; every node uses the same constant.</summary>
    internal const long LockKey = 0x534E544D;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await database.WaitAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, time);
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    Log.MaintenanceFailed(log, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Runs one round now; returns what it did, or null when another node holds the lock.</summary>
    public async Task<MaintenanceRound?> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await LockAsync(connection, "SELECT pg_try_advisory_lock($1)", cancellationToken).ConfigureAwait(false))
        {
            Log.MaintenanceSkipped(log);
            return null;
        }

        try
        {
            var now = time.GetUtcNow();
            var horizons = RetentionHorizons.At(now, options.Value);
            var partitions = await StoragePartitions.ListAsync(connection, cancellationToken).ConfigureAwait(false);
            var created = await StoragePartitions.CreateAheadAsync(connection, partitions, now, cancellationToken).ConfigureAwait(false);
            foreach (var name in created)
            {
                Log.PartitionCreated(log, name);
            }

            var dropped = await StoragePartitions.DropExpiredAsync(connection, partitions, horizons,
                (name, reason) => Log.PartitionDropPostponed(log, name, reason), cancellationToken).ConfigureAwait(false);
            foreach (var name in dropped)
            {
                Log.PartitionDropped(log, name);
            }

            var undated = await DeleteUndatedAsync(connection, now - options.Value.Retention, cancellationToken).ConfigureAwait(false);
            var rollup = await rollups.RunAsync(connection, now, horizons, cancellationToken).ConfigureAwait(false);
            Log.RolledUp(log, rollup.From, rollup.To, rollup.Minutes, rollup.Hours, rollup.MinuteRows, rollup.HourRows, rollup.Elapsed.TotalMilliseconds);
            return new MaintenanceRound(created, dropped, undated, rollup);
        }
        finally
        {
            // A broken connection released the lock with the session; the pool discards it.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await LockAsync(connection, "SELECT pg_advisory_unlock($1)", CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Deletes the rows of <c>results_undated</c> (start times of ±infinity, which no day holds) that arrived before
    /// <paramref name="cutoff"/>: their arrival is the only age they have.
    /// </summary>
    private async Task<int> DeleteUndatedAsync(NpgsqlConnection connection, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("DELETE FROM results_undated WHERE ingested_at < $1", connection);
        command.Parameters.AddWithValue(cutoff.ToUniversalTime());
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            Log.UndatedDeleted(log, deleted, cutoff);
        }

        return deleted;
    }

    private static async Task<bool> LockAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(LockKey);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }
}

/// <summary>What one maintenance round did.</summary>
/// <param name="Created">Partitions made ahead.</param>
/// <param name="Dropped">Partitions dropped, past retention.</param>
/// <param name="UndatedDeleted">Rows of <c>results_undated</c> deleted, past retention.</param>
/// <param name="Rollup">The rollup round.</param>
internal sealed record MaintenanceRound(IReadOnlyList<string> Created, IReadOnlyList<string> Dropped, int UndatedDeleted, RollupRound Rollup);
