using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class MigrationsTests(PostgresCluster postgres)
{
    [Fact]
    public async Task ApplyAsync_Twice_AppliesEachScriptOnce()
    {
        await using var database = PostgresCluster.Connect(await postgres.CreateDatabaseAsync());
        var dataSource = database.DataSource;
        var migrations = Migrations(database);

        var first = await migrations.ApplyAsync(TestContext.Current.CancellationToken);
        var second = await migrations.ApplyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Worker.Storage.Migrations.Names, first);
        Assert.Empty(second);
        Assert.True(await migrations.IsUpToDateAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Worker.Storage.Migrations.Names.Count, await CountJournalAsync(dataSource));
    }

    [Fact]
    public async Task ApplyAsync_TwoNodesAtOnce_TakeTurnsAndApplyEachScriptOnce()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var database = PostgresCluster.Connect(connectionString);

        // Two migrators with their own connections, as two nodes starting together would have.
        await using var other = PostgresCluster.Connect(connectionString);
        var results = await Task.WhenAll(
            Task.Run(() => Migrations(database).ApplyAsync(TestContext.Current.CancellationToken)),
            Task.Run(() => Migrations(other).ApplyAsync(TestContext.Current.CancellationToken)));

        Assert.Equal(Worker.Storage.Migrations.Names, results.SelectMany(r => r).Order(StringComparer.Ordinal));
        Assert.Equal(Worker.Storage.Migrations.Names.Count, await CountJournalAsync(database.DataSource));
    }

    [Fact]
    public async Task IsUpToDateAsync_EmptyDatabase_IsFalse()
    {
        await using var database = PostgresCluster.Connect(await postgres.CreateDatabaseAsync());

        Assert.False(await Migrations(database).IsUpToDateAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Names_AreNumberedAndInOrder()
    {
        Assert.NotEmpty(Worker.Storage.Migrations.Names);
        Assert.All(Worker.Storage.Migrations.Names, n => Assert.Matches("^[0-9]{4}_[a-z0-9_]+\\.sql$", n));
        Assert.Equal(Worker.Storage.Migrations.Names.Order(StringComparer.Ordinal), Worker.Storage.Migrations.Names);
    }

    private static Migrations Migrations(DatabaseConnection database) => new(database, NullLogger<Migrations>.Instance);

    private static async Task<long> CountJournalAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
