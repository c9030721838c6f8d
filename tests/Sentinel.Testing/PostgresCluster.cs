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

    private EmbeddedPostgresOptions Options => new() { DataDirectory = Path.Combine(_directory.Path, "data"), Durable = false };

    public async ValueTask InitializeAsync()
    {
        Server = await EmbeddedPostgres.StartAsync(Options, NullLogger.Instance, CancellationToken.None);
    }

    /// <summary>
    /// Stops the server as an operator would (<c>pg_ctl stop -m fast</c>: sessions are ended, committed data stays), so
    /// that clients find it away. Only for a cluster of the test's own, never the shared fixture.
    /// </summary>
    public async Task StopServerAsync() => await Server.DisposeAsync();

    /// <summary>Starts the server again after <see cref="StopServerAsync"/>, on the same socket: connection strings stay valid.</summary>
    public async Task StartServerAsync()
    {
        Server = await EmbeddedPostgres.StartAsync(Options, NullLogger.Instance, CancellationToken.None);
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
