using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Checks;
using Xunit;

namespace Sentinel.Worker.Tests.Checks;

/// <summary>One node at a time leads the checks-folder sync, by a session advisory lock that ends with its session.</summary>
public sealed class FileSyncLeadershipTests(PostgresCluster postgres)
{
    [Fact]
    public async Task TryLeadAsync_TwoNodes_OneLeadsUntilItStepsDown()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await using var first = new FileSyncLeadership(dataSource);
        await using var second = new FileSyncLeadership(dataSource);
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await first.TryLeadAsync(ct));
        Assert.False(await second.TryLeadAsync(ct));
        Assert.True(await first.TryLeadAsync(ct));

        await first.StepDownAsync();

        Assert.True(await second.TryLeadAsync(ct));
        Assert.False(await first.TryLeadAsync(ct));
    }

    [Fact]
    public async Task TryLeadAsync_LeadersSessionEnded_LeaderLearnsItAndTheOtherTakesOver()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await using var leader = new FileSyncLeadership(dataSource);
        await using var other = new FileSyncLeadership(dataSource);
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await leader.TryLeadAsync(ct));

        // The leader's session ends as when its connection is cut: the server releases the lock with it.
        await dataSource.ExecuteAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = @key::oid",
            new { key = FileSyncLeadership.LockKey });

        var lost = await Assert.ThrowsAsync<NpgsqlException>(() => leader.TryLeadAsync(ct));
        Assert.StartsWith("lost the file sync lead: ", lost.Message, StringComparison.Ordinal);
        Assert.False(leader.IsLeader);
        Assert.True(await other.TryLeadAsync(ct));
    }
}
