using Npgsql;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Storage;

/// <summary>Probe state in the <c>check_state</c> table, shared by every node and kept across restarts.</summary>
internal sealed class PostgresCheckStateStore(NpgsqlDataSource dataSource) : ICheckStateStore
{
    public async ValueTask<CheckState?> GetAsync(string checkId, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT value::text, updated_at, updated_by FROM check_state WHERE check_id = $1 AND key = $2");
        command.Parameters.AddWithValue(checkId);
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new CheckState(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2))
            : null;
    }

    public async ValueTask SetAsync(string checkId, string key, string json, string updatedBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO check_state (check_id, key, value, updated_at, updated_by) VALUES ($1, $2, $3::jsonb, now(), $4)
            ON CONFLICT (check_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
            """);
        command.Parameters.AddWithValue(checkId);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(json);
        command.Parameters.AddWithValue(updatedBy);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The check was removed while it ran; its state has nowhere to live and no one to serve.
        }
    }
}
