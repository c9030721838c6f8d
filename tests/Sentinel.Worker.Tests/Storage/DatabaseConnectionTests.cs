using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>What a short command does with the embedded cluster: it borrows a running one and stops only its own.</summary>
public sealed class DatabaseConnectionTests
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
}
