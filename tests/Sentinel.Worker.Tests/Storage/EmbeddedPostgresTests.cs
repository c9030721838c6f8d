using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task StartAsync_NoServerInstall_FailsWithOneLineSayingWhatToDo()
    {
        using var empty = new TempDirectory();

        var ex = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { BinDirectory = empty.Path, DataDirectory = Path.Combine(empty.Path, "data") },
            NullLogger.Instance, TestContext.Current.CancellationToken));

        Assert.Equal(PostgresInstall.NotFoundMessage, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains("apt-get install postgresql", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SENTINEL__DATABASE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NewDirectory_CreatesClusterServesDatabaseAndStops()
    {
        using var directory = new TempDirectory("sentinel-pg");
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(directory.Path, "data"), Durable = false };

        string connectionString;
        await using (var server = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
        {
            connectionString = server.ConnectionString;
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            Assert.Equal("sentinel", connection.Database);
            Assert.Equal(server.DataDirectory, Path.GetDirectoryName(connection.Host + "/x"));
        }

        // Stopped: the socket is gone.
        await using var after = new NpgsqlConnection(connectionString + ";Timeout=2;Pooling=false");
        await Assert.ThrowsAnyAsync<Exception>(() => after.OpenAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StartAsync_ExistingCluster_KeepsItsData()
    {
        using var directory = new TempDirectory("sentinel-pg");
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(directory.Path, "data"), Durable = false };
        await using (var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
        {
            await using var connection = new NpgsqlConnection(first.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var create = new NpgsqlCommand("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)", connection);
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var second = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken);
        await using var again = new NpgsqlConnection(second.ConnectionString);
        await again.OpenAsync(TestContext.Current.CancellationToken);
        await using var read = new NpgsqlCommand("SELECT v FROM kept", again);
        Assert.Equal(42, await read.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StartAsync_ServerUserCannotReachTheDirectory_SaysSoInOneLine()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "only root hands the data directory to another user");
        using var directory = new TempDirectory("sentinel-pg");
        var locked = Path.Combine(directory.Path, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var ex = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = Path.Combine(locked, "data"), Durable = false },
            NullLogger.Instance, TestContext.Current.CancellationToken));

        Assert.StartsWith("the postgres user that runs PostgreSQL cannot reach", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
