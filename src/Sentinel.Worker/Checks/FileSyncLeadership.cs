using Npgsql;

namespace Sentinel.Worker.Checks;

/// <summary>
/// Which node syncs the checks folder: the one holding a PostgreSQL session advisory lock on a connection of its own.
/// The lock lives as long as that session, so a node that dies or loses its connection loses the lead with it, and
/// another node takes it at its next attempt; nothing has to expire.
/// </summary>
internal sealed class FileSyncLeadership(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    /// <summary>The advisory lock key, "SNTF" in ASCII; every node uses the same constant.</summary>
    internal const long LockKey = 0x534E5446;

    private NpgsqlConnection? _connection;

    /// <summary>Whether this node held the lock at the last <see cref="TryLeadAsync"/>.</summary>
    public bool IsLeader => _connection is not null;

    /// <summary>
    /// Takes the lead if no other node holds it, or confirms that this node still does (its session is alive). Returns
    /// whether this node leads. A database that cannot be reached throws, with the lead given up.
    /// </summary>
    public async Task<bool> TryLeadAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_connection is not null)
            {
                // The session that holds the lock answers: the lock is still this node's.
                await using var ping = new NpgsqlCommand("SELECT 1", _connection);
                await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }

            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var acquire = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
            acquire.Parameters.AddWithValue(LockKey);
            if (await acquire.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                _connection = connection;
                return true;
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            return false;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            await StepDownAsync().ConfigureAwait(false);
            throw new NpgsqlException($"lost the file sync lead: {ex.Message}", ex);
        }
    }

    /// <summary>Gives up the lead: closing the session releases the lock.</summary>
    public async Task StepDownAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is not { } connection)
        {
            return;
        }

        // A pooled session would keep the lock alive in the pool: release it first. A broken connection released it
        // with its session, and the pool discards it.
        if (connection.State == System.Data.ConnectionState.Open)
        {
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                release.Parameters.AddWithValue(LockKey);
                await release.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The session is gone, and its lock with it.
            }
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StepDownAsync().ConfigureAwait(false);
}
