using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// What a short command does with the embedded cluster (it borrows a running one and stops only its own), and the
/// connection settings Sentinel adds to what it is given.
/// </summary>
public sealed class DatabaseConnectionTests(PostgresCluster postgres)
{
    [Fact]
    public async Task StartAsync_CommandFindsTheClusterRunning_BorrowsItAndLeavesItRunning()
    {
        using var directory = new TempDirectory("sentinel-pg");
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(directory.Path, "data"), Durable = false };
        await using var daemon = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken);

        await using (var command = new DatabaseConnection(new DatabaseOptions(), options, DatabaseUse.Command))
        {
            await command.StartAsync(NullLogger.Instance, TestContext.Current.CancellationToken);
            await using var borrowed = await command.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
            Assert.Equal(daemon.ConnectionString, command.ConnectionString);
        }

        await using var connection = new NpgsqlConnection(daemon.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Path.Combine(options.DataDirectory, "postmaster.pid")));
    }

    [Fact]
    public async Task StartAsync_CommandStartedTheCluster_StopsItOnDispose()
    {
        using var directory = new TempDirectory("sentinel-pg");
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(directory.Path, "data"), Durable = false };

        await using (var command = new DatabaseConnection(new DatabaseOptions(), options, DatabaseUse.Command))
        {
            await command.StartAsync(NullLogger.Instance, TestContext.Current.CancellationToken);
            await using var connection = await command.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
            Assert.Equal("sentinel", connection.Database);
        }

        Assert.False(File.Exists(Path.Combine(options.DataDirectory, "postmaster.pid")), "the cluster the command started is still running");
    }

    [Fact]
    public async Task StartAsync_ServerConfigured_StartsNothing()
    {
        using var directory = new TempDirectory("sentinel-pg");
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(directory.Path, "data") };

        await using var connection = new DatabaseConnection(new DatabaseOptions { ConnectionString = "Host=db.example;Username=sentinel" }, options, DatabaseUse.Daemon);
        await connection.StartAsync(NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.Equal("Host=db.example;Username=sentinel", connection.ConnectionString);
        Assert.False(Directory.Exists(options.DataDirectory));
    }

    [Fact]
    public void WithAutoPrepare_ConnectionStringThatSaysNothing_PreparesTheRepeatedStatements()
    {
        var prepared = new NpgsqlConnectionStringBuilder(DatabaseConnection.WithAutoPrepare("Host=db.example;Username=sentinel;Password=secret"));

        Assert.Equal((DatabaseConnection.DefaultMaxAutoPrepare, "db.example", "secret"), (prepared.MaxAutoPrepare, prepared.Host, prepared.Password));
    }

    [Theory]
    [InlineData("Host=db.example;Max Auto Prepare=0")]
    [InlineData("Host=db.example;maxautoprepare=5")]
    [InlineData("Host=db.example;MAX AUTO PREPARE=7")]
    public void WithAutoPrepare_ConnectionStringThatSetsIt_IsLeftAsItIs(string connectionString)
    {
        Assert.Equal(connectionString, DatabaseConnection.WithAutoPrepare(connectionString));
    }

    [Fact]
    public void WithoutSessionReset_ConnectionStringThatSaysNothing_SkipsTheResetAndKeepsTheRest()
    {
        var statements = new NpgsqlConnectionStringBuilder(DatabaseConnection.WithoutSessionReset("Host=db.example;Username=sentinel;Password=secret"));

        Assert.Equal((true, "db.example", "secret"), (statements.NoResetOnClose, statements.Host, statements.Password));
    }

    [Theory]
    [InlineData("Host=db.example;No Reset On Close=false")]
    [InlineData("Host=db.example;noresetonclose=False")]
    public void WithoutSessionReset_ConnectionStringThatSetsIt_IsLeftAsItIs(string connectionString)
    {
        Assert.Equal(connectionString, DatabaseConnection.WithoutSessionReset(connectionString));
    }

    [Fact]
    public async Task StatementSource_AConnectionBackFromThePool_KeepsItsSessionWhileTheDataSourceResetsIt()
    {
        await using var database = new DatabaseConnection(new DatabaseOptions { ConnectionString = await postgres.CreateDatabaseAsync() }, new EmbeddedPostgresOptions(), DatabaseUse.Command);

        // A setting left in the session shows whether the pool reset it between two uses of its one idle connection.
        Assert.Equal(("on", "off"), (await LeftOverAsync(database.StatementSource), await LeftOverAsync(database.DataSource)));
    }

    private static async Task<string> LeftOverAsync(NpgsqlDataSource source)
    {
        await using (var first = await source.OpenConnectionAsync(TestContext.Current.CancellationToken))
        {
            await using var set = new NpgsqlCommand("SET enable_seqscan = off", first);
            await set.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var second = await source.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var show = new NpgsqlCommand("SELECT current_setting('enable_seqscan') = 'off'", second);
        return (bool)(await show.ExecuteScalarAsync(TestContext.Current.CancellationToken))! ? "on" : "off";
    }
}
