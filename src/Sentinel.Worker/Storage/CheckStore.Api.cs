using System.Text.Json;
using Dapper;
using Npgsql;
using Sentinel.Api.Endpoints;
using Sentinel.Probes.Checks;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The API's side of the checks table: pages, single checks, and writes that are conditional on the version the
/// client read (the ETag), each recorded in <c>check_changes</c> in its own transaction and signalled through
/// <see cref="CheckChanges"/> (other nodes hear of it through the table's NOTIFY trigger).
/// </summary>
internal sealed partial class CheckStore : ICheckStore
{
    private const string RecordColumns = """
        c.id AS Id, c.definition::text AS Definition, c.origin AS Origin, c.source AS Source, c.enabled AS Enabled,
        c.paused AS Paused, l.status AS LatestStatus, c.version AS Version, c.created_at AS CreatedAt, c.updated_at AS UpdatedAt
        FROM checks c LEFT JOIN check_latest l ON l.check_id = c.id
        """;

    private const string StatusExpression = """
        CASE WHEN c.paused THEN 'paused' WHEN NOT c.enabled THEN 'disabled' ELSE coalesce(l.status, 'pending') END
        """;

    async Task<CheckRecord?> ICheckStore.FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await FindRecordAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<CheckRecord> Items, bool More)> ListAsync(CheckQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // Ordinal (C collation) order, the same for the ORDER BY and the cursor's comparison, whatever the database's.
        var rows = await connection.QueryAsync<RecordRow>(new CommandDefinition(
            $"""
            SELECT {RecordColumns}
            WHERE (@after::text IS NULL OR c.id COLLATE "C" > @after::text COLLATE "C")
              AND (@type::text IS NULL OR c.type = @type::text)
              AND c.labels @> @labels::jsonb
              AND (@status::text IS NULL OR {StatusExpression} = @status::text)
            ORDER BY c.id COLLATE "C"
            LIMIT @take
            """,
            new
            {
                after = query.After,
                type = query.Type,
                labels = JsonSerializer.Serialize(query.Labels, StorageJsonContext.Default.IReadOnlyDictionaryStringString),
                status = query.Status,
                take = query.Limit + 1,
            },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var records = rows.Select(r => r.ToRecord()).ToList();
        var more = records.Count > query.Limit;
        return (records.Take(query.Limit).ToList(), more);
    }

    public async Task<CheckWrite> CreateAsync(ParsedCheck check, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, labels, definition, origin, source)
            VALUES (@Id, @Type, @Target, @Name, @IntervalMs, @TimeoutMs, @Enabled, @Labels::jsonb, @Definition::jsonb, @Origin, @Source)
            ON CONFLICT (id) DO NOTHING
            """, Parameters(check, "api", null), transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (inserted == 0)
        {
            var existing = await FindRecordAsync(connection, transaction, check.Definition.Id, cancellationToken).ConfigureAwait(false);
            return new CheckWrite(CheckWriteStatus.Conflict, existing);
        }

        await RecordAsync(connection, transaction, check.Definition.Id, "create", actor, null, check.Json, false, cancellationToken).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, check.Definition.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CheckWrite> ReplaceAsync(ParsedCheck check, CheckVersion expected, string action, string actor, CancellationToken cancellationToken)
    {
        var id = check.Definition.Id;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (current, refusal) = await LockForChangeAsync(connection, transaction, id, expected, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var parameters = Parameters(check, "api", null);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE checks SET type = @Type, target = @Target, name = @Name, interval_ms = @IntervalMs, timeout_ms = @TimeoutMs,
                enabled = @Enabled, labels = @Labels::jsonb, definition = @Definition::jsonb, version = version + 1, updated_at = now()
            WHERE id = @Id
            """, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await RecordAsync(connection, transaction, id, action, actor, current!.Definition, check.Json, current.Paused, cancellationToken).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CheckWrite> DeleteAsync(string id, CheckVersion expected, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (current, refusal) = await LockForChangeAsync(connection, transaction, id, expected, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        // The latest result goes with the check, so that a check created again under the id starts as pending.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM checks WHERE id = @id; DELETE FROM check_latest WHERE check_id = @id",
            new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await RecordAsync(connection, transaction, id, "delete", actor, current!.Definition, null, current.Paused, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        changes?.Notify();
        return new CheckWrite(CheckWriteStatus.Done, current);
    }

    public async Task<CheckWrite> SetPausedAsync(string id, bool paused, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var current = await FindRecordAsync(connection, transaction, id, cancellationToken, forUpdate: true).ConfigureAwait(false);
        if (current is null)
        {
            return new CheckWrite(CheckWriteStatus.NotFound, null);
        }

        if (current.Paused == paused)
        {
            return new CheckWrite(CheckWriteStatus.Done, current);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE checks SET paused = @paused, version = version + 1, updated_at = now() WHERE id = @id",
            new { id, paused }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await RecordAsync(connection, transaction, id, paused ? "pause" : "resume", actor, null, null, paused, cancellationToken).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<CheckChangeRecord> Items, bool More)> HistoryAsync(string id, long? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<ChangeRow>(new CommandDefinition(
            """
            SELECT id AS Id, check_id AS CheckId, action AS Action, actor AS Actor, at AS At, before::text AS Before, after::text AS After, paused AS Paused
            FROM check_changes
            WHERE check_id = @id AND (@before::bigint IS NULL OR id < @before::bigint)
            ORDER BY id DESC
            LIMIT @take
            """, new { id, before, take = limit + 1 }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new CheckChangeRecord(r.Id, r.CheckId, r.Action, r.Actor, Utc(r.At), r.Before, r.After, r.Paused))
            .ToList();
        var more = rows.Count > limit;
        return (rows.Take(limit).ToList(), more);
    }

    /// <summary>
    /// Locks the check for a change and says why the change may not go ahead: no such check, a file's check, or a
    /// version other than the one the client read.
    /// </summary>
    private static async Task<(CheckRecord? Current, CheckWrite? Refusal)> LockForChangeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CheckVersion expected, CancellationToken cancellationToken)
    {
        var current = await FindRecordAsync(connection, transaction, id, cancellationToken, forUpdate: true).ConfigureAwait(false);
        return current switch
        {
            null => (null, new CheckWrite(CheckWriteStatus.NotFound, null)),
            { Origin: not "api" } => (current, new CheckWrite(CheckWriteStatus.Conflict, current)),
            _ when current.Version != expected => (current, new CheckWrite(CheckWriteStatus.VersionMismatch, current)),
            _ => (current, null),
        };
    }

    private async Task<CheckWrite> CommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken cancellationToken)
    {
        var written = await FindRecordAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        changes?.Notify();
        return new CheckWrite(CheckWriteStatus.Done, written);
    }

    private static Task<int> RecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string action, string actor, string? before, string? after, bool paused,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO check_changes (check_id, action, actor, before, after, paused)
            VALUES (@id, @action, @actor, @before::jsonb, @after::jsonb, @paused)
            """, new { id, action, actor, before, after, paused }, transaction, cancellationToken: cancellationToken));

    private static async Task<CheckRecord?> FindRecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken cancellationToken, bool forUpdate = false)
    {
        var row = await connection.QuerySingleOrDefaultAsync<RecordRow>(new CommandDefinition(
            $"SELECT {RecordColumns} WHERE c.id = @id{(forUpdate ? " FOR UPDATE OF c" : "")}",
            new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private sealed record RecordRow(
        string Id, string Definition, string Origin, string? Source, bool Enabled, bool Paused, string? LatestStatus, long Version, DateTime CreatedAt, DateTime UpdatedAt)
    {
        public CheckRecord ToRecord() =>
            new(Id, Definition, Origin, Source, Enabled, Paused, LatestStatus, new CheckVersion(Version, Utc(CreatedAt)), Utc(UpdatedAt));
    }

    private sealed record ChangeRow(long Id, string CheckId, string Action, string Actor, DateTime At, string? Before, string? After, bool Paused);
}
