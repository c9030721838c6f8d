using System.Text.Json;
using Dapper;
using Npgsql;
using Sentinel.Probes.Checks;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The <c>checks</c> table, the source of truth for what runs. Files are synced into it; schedulers and the metrics
/// view read the enabled checks from it. Whoever writes it says so through <see cref="CheckChanges"/>; the API's
/// reads and writes are in <c>CheckStore.Api.cs</c>. A paused check is kept but neither scheduled nor in the view.
/// </summary>
internal sealed partial class CheckStore(NpgsqlDataSource dataSource, CheckChanges? changes = null)
{
    /// <summary>
    /// Makes the file-owned checks match <paramref name="documents"/>: valid checks are inserted or updated
    /// (their version bumped when the definition changed), and file checks that no file defines any more are
    /// removed — except those whose file is currently invalid, which keep running as they were until the file
    /// is fixed. A check whose id is owned by the API is left alone and reported as a conflict.
    /// </summary>
    public Task<FileSyncOutcome> SyncFileChecksAsync(IReadOnlyList<CheckDocument> documents, CancellationToken cancellationToken) =>
        SyncFileChecksAsync(documents, ownedPrefix: string.Empty, cancellationToken);

    /// <summary>
    /// As <see cref="SyncFileChecksAsync(IReadOnlyList{CheckDocument}, CancellationToken)"/>, but removes only file checks
    /// whose source starts with <paramref name="ownedPrefix"/> (the syncing node's checks folder): a node never removes
    /// a check that a file elsewhere defines.
    /// </summary>
    public async Task<FileSyncOutcome> SyncFileChecksAsync(IReadOnlyList<CheckDocument> documents, string ownedPrefix, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var apiOwned = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM checks WHERE origin = 'api'", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);

        var conflicts = new List<CheckError>();
        var changed = 0;
        foreach (var document in documents.Where(d => d.IsValid))
        {
            foreach (var check in document.Checks)
            {
                if (apiOwned.Contains(check.Definition.Id))
                {
                    conflicts.Add(new CheckError(document.Source, check.Line, JsonPath(check),
                        $"id \"{check.Definition.Id}\" is already owned by the API; this file's definition is ignored"));
                    continue;
                }

                changed += await connection.ExecuteAsync(new CommandDefinition(Upsert, Parameters(check, "file", document.Source),
                    transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
        }

        var keep = documents.Where(d => d.IsValid).SelectMany(d => d.Checks).Select(c => c.Definition.Id).ToArray();
        var invalidSources = documents.Where(d => !d.IsValid).Select(d => d.Source).ToArray();
        var removed = (await connection.QueryAsync<string>(new CommandDefinition(
            """
            DELETE FROM checks
            WHERE origin = 'file' AND starts_with(coalesce(source, ''), @ownedPrefix)
              AND NOT (id = ANY(@keep)) AND NOT (coalesce(source, '') = ANY(@invalidSources))
            RETURNING id
            """,
            new { keep, invalidSources, ownedPrefix }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToArray();

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new FileSyncOutcome(changed, removed, conflicts);
    }

    /// <summary>The enabled checks that are not paused, with their definitions and versions.</summary>
    public async Task<IReadOnlyList<StoredCheck>> ListEnabledAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StoredCheck>(new CommandDefinition(
            "SELECT id AS Id, definition::text AS Definition, version AS Version, origin AS Origin, source AS Source FROM checks WHERE enabled AND NOT paused ORDER BY id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToArray();
    }

    /// <summary>The ids of the enabled checks that are not paused.</summary>
    public async Task<IReadOnlySet<string>> ListEnabledIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var ids = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM checks WHERE enabled AND NOT paused", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>One check, enabled or not; null when no check has the id.</summary>
    public async Task<StoredCheck?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<StoredCheck>(new CommandDefinition(
            "SELECT id AS Id, definition::text AS Definition, version AS Version, origin AS Origin, source AS Source FROM checks WHERE id = @id",
            new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private const string Upsert = """
        INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, labels, definition, origin, source)
        VALUES (@Id, @Type, @Target, @Name, @IntervalMs, @TimeoutMs, @Enabled, @Labels::jsonb, @Definition::jsonb, @Origin, @Source)
        ON CONFLICT (id) DO UPDATE SET
            type = EXCLUDED.type, target = EXCLUDED.target, name = EXCLUDED.name,
            interval_ms = EXCLUDED.interval_ms, timeout_ms = EXCLUDED.timeout_ms, enabled = EXCLUDED.enabled,
            labels = EXCLUDED.labels, definition = EXCLUDED.definition, source = EXCLUDED.source,
            version = checks.version + 1, updated_at = now()
        WHERE checks.origin = EXCLUDED.origin
          AND (checks.definition IS DISTINCT FROM EXCLUDED.definition OR checks.source IS DISTINCT FROM EXCLUDED.source)
        """;

    private static object Parameters(ParsedCheck check, string origin, string? source)
    {
        var d = check.Definition;
        return new
        {
            d.Id,
            d.Type,
            d.Target,
            d.Name,
            IntervalMs = (int)d.Interval.TotalMilliseconds,
            TimeoutMs = (int)d.Timeout.TotalMilliseconds,
            d.Enabled,
            Labels = JsonSerializer.Serialize(d.Labels, StorageJsonContext.Default.IReadOnlyDictionaryStringString),
            Definition = check.Json,
            Origin = origin,
            Source = source,
        };
    }

    private static string JsonPath(ParsedCheck check) => check.Path + ".id";
}

/// <summary>A check as stored.</summary>
internal sealed record StoredCheck(string Id, string Definition, long Version, string Origin, string? Source);

/// <summary>What a file sync changed.</summary>
/// <param name="Changed">Checks inserted or updated.</param>
/// <param name="Removed">Ids of checks removed because no file defines them any more.</param>
/// <param name="Conflicts">File checks ignored because the API owns their id.</param>
internal sealed record FileSyncOutcome(int Changed, IReadOnlyList<string> Removed, IReadOnlyList<CheckError> Conflicts);
