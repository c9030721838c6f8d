using Dapper;
using Npgsql;

namespace Sentinel.Testing;

/// <summary>Queries for assertions, each on its own connection returned to the pool at once.</summary>
public static class DatabaseQueries
{
    public static async Task<IReadOnlyList<T>> QueryListAsync<T>(this NpgsqlDataSource dataSource, string sql, object? parameters = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<T>(sql, parameters)).ToList();
    }

    public static async Task<T> QueryValueAsync<T>(this NpgsqlDataSource dataSource, string sql, object? parameters = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"no value for {sql}");
    }

    public static async Task ExecuteAsync(this NpgsqlDataSource dataSource, string sql, object? parameters = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(sql, parameters);
    }
}
