using Microsoft.Extensions.Logging.Abstractions;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster started from the machine's install, exactly as <c>sentinel run</c> starts
/// its embedded one (same code), without fsync for speed. Each test takes its own database. Use it as an
/// assembly fixture; it stops the server and deletes its directory afterwards, also when tests fail.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("sentinel-pg");

    internal EmbeddedPostgres Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = Path.Combine(_directory.Path, "data"), Durable = false },
            NullLogger.Instance,
            CancellationToken.None);
    }

    /// <summary>Creates an empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t_{Guid.NewGuid():N}";
        await Server.CreateDatabaseAsync(name, CancellationToken.None);
        return Server.ConnectionStringFor(name);
    }

    /// <summary>Creates a database with Sentinel's schema; returns its connection string.</summary>
    public async Task<string> CreateMigratedDatabaseAsync()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var database = Connect(connectionString);
        await new Migrations(database, NullLogger<Migrations>.Instance).ApplyAsync(CancellationToken.None);
        return connectionString;
    }

    /// <summary>The database at <paramref name="connectionString"/>, as Sentinel's storage opens a configured one.</summary>
    internal static DatabaseConnection Connect(string connectionString) =>
        new(new DatabaseOptions { ConnectionString = connectionString }, new EmbeddedPostgresOptions(), DatabaseUse.Command);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        _directory.Dispose();
    }
}
