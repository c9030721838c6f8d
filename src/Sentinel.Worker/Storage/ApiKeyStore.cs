using Dapper;
using Npgsql;
using Sentinel.Api.Auth;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The <c>api_keys</c> table: the API looks keys up here (<see cref="IApiKeyStore"/>), and <c>sentinel apikey</c>
/// creates, lists and revokes them. Only the hash of a key's secret is stored.
/// </summary>
internal sealed class ApiKeyStore(NpgsqlDataSource dataSource) : IApiKeyStore
{
    public async Task<StoredApiKey?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            "SELECT name AS Name, scope AS Scope, secret_hash AS SecretHash, revoked_at IS NOT NULL AS Revoked FROM api_keys WHERE key_id = @id",
            new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new StoredApiKey(row.Name, row.Scope, row.SecretHash, row.Revoked);
    }

    /// <summary>Creates a key; returns its text (to be shown once), or null when a key has the name already.</summary>
    public async Task<string?> CreateAsync(string name, string scope, CancellationToken cancellationToken)
    {
        var (key, id, hash) = ApiKeys.Generate();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (name, key_id, secret_hash, scope) VALUES (@name, @id, @hash, @scope)
            ON CONFLICT (name) DO NOTHING
            """, new { name, id, hash, scope }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return inserted == 1 ? key : null;
    }

    /// <summary>Every key, by name: never the key, only what it is called, may do, and whether it is revoked.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Name, string Scope, string Id, DateTime Created, DateTime? Revoked)>(new CommandDefinition(
            "SELECT name, scope, key_id, created_at, revoked_at FROM api_keys ORDER BY name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ApiKeyInfo(r.Name, r.Scope, ApiKeys.Prefix + r.Id, Utc(r.Created), r.Revoked is { } at ? Utc(at) : null)).ToList();
    }

    /// <summary>Revokes the key called <paramref name="name"/>; false when there is no such key that is not revoked yet.</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = now() WHERE name = @name AND revoked_at IS NULL",
            new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private sealed record KeyRow(string Name, string Scope, byte[] SecretHash, bool Revoked);
}

/// <summary>A key as <c>sentinel apikey list</c> shows it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Scope">read or write.</param>
/// <param name="Prefix">The start of the key (<c>sntl_</c> and its public id), so that a key found in the wild can be told.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="RevokedAt">When it was revoked, if it was.</param>
internal sealed record ApiKeyInfo(string Name, string Scope, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
