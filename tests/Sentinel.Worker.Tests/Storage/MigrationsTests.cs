using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
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

    [Fact]
    public async Task ApplyAsync_FromResultsWithoutIds_GivesEachRowATimeOrderedIdAPartitionAndTheLatestPerCheck()
    {
        await using var database = PostgresCluster.Connect(await postgres.CreateDatabaseAsync());
        var dataSource = database.DataSource;
        await Migrations(database).ApplyAsync(TestContext.Current.CancellationToken, upTo: "0003_path_hops_by_details.sql");
        var day1 = new DateTime(2026, 11, 30, 23, 59, 59, 500, DateTimeKind.Utc);
        var day2 = new DateTime(2026, 12, 1, 0, 0, 1, DateTimeKind.Utc);
        foreach (var (check, startedAt, status) in new[] { ("a", day1, "up"), ("a", day2, "down"), ("b", day1, "up") })
        {
            await dataSource.ExecuteAsync(
                "INSERT INTO results (check_id, started_at, duration_ms, status, phases, measurements, problems, findings, details, node) " +
                "VALUES (@check, @startedAt, 1, @status, '{}', '{}', '[]', '[]', '{\"hops\": [{\"hop\": 1}], \"cycles\": 1}', 'n1')",
                new { check, startedAt, status });
        }

        await Migrations(database).ApplyAsync(TestContext.Current.CancellationToken);

        var rows = await dataSource.QueryListAsync<(Guid Id, DateTime StartedAt)>("SELECT id, started_at FROM results ORDER BY started_at, check_id");
        Assert.Equal(3, rows.Count);
        Assert.Equal(3, rows.Select(r => r.Id).Distinct().Count());
        foreach (var (id, startedAt) in rows)
        {
            // RFC 9562 version 7: the version nibble is 7 and the first 48 bits are the Unix time in milliseconds.
            var bytes = id.ToByteArray(bigEndian: true);
            Assert.Equal(7, bytes[6] >> 4);
            Assert.Equal(0b10, bytes[8] >> 6);
            var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
            Assert.Equal(new DateTimeOffset(startedAt.ToUniversalTime()).ToUnixTimeMilliseconds(), milliseconds);
        }

        Assert.Equal(["results_20261130", "results_20261201"], (await dataSource.QueryListAsync<string>(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'results'::regclass AND c.relname::text < 'results_20261202' ORDER BY 1")).ToArray());
        Assert.Equal([("a", "down"), ("b", "up")], await dataSource.QueryListAsync<(string, string)>("SELECT check_id, status FROM check_latest ORDER BY check_id"));
        Assert.Equal(3, await dataSource.QueryValueAsync<long>("SELECT count(*) FROM path_hops"));
        Assert.False(await dataSource.QueryValueAsync<bool>("SELECT to_regclass('results_unpartitioned') IS NOT NULL"));
    }

    [Fact]
    public async Task ApplyAsync_CheckLatestWithItsOwnCopyOfTheResult_ReadsTheSameFromResults()
    {
        await using var database = PostgresCluster.Connect(await postgres.CreateDatabaseAsync());
        var dataSource = database.DataSource;
        await Migrations(database).ApplyAsync(TestContext.Current.CancellationToken, upTo: "0009_check_latest_since.sql");
        await dataSource.ExecuteAsync("""
            INSERT INTO results (id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                                 phases, measurements, problems, findings, details, node)
            VALUES ('0193a000-0000-7000-8000-000000000002', 'web', '2026-12-01T10:00:00Z', 4.5, 'down', 'tcp', 'tcp_refused', 'refused',
                    '{"connect": 4.5}', '{"tcp.duration.connect_ms": 4.5}',
                    '[{"layer": "tcp", "category": "tcp_refused", "severity": "error", "message": "refused", "hint": "start it"}]', '[]',
                    '{"remote": "127.0.0.1:9"}', 'n1');
            INSERT INTO check_latest (check_id, result_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                                      phases, measurements, problems, findings, details, samples, node, status_since)
            SELECT check_id, id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                   phases, measurements, problems, findings, details, '[{"metric": "probe_ip_protocol", "value": 4, "labels": []}]', node, started_at
            FROM results;
            """);

        await Migrations(database).ApplyAsync(TestContext.Current.CancellationToken);
        await new CheckStore(dataSource).SyncFileChecksAsync(
            [Sentinel.Probes.Checks.CheckParser.Parse("""{ "id": "web", "type": "tcp", "target": "127.0.0.1:9" }""", "web.json", ProbeCatalog.Default.Checks)],
            TestContext.Current.CancellationToken);

        Assert.Equal(0, await dataSource.QueryValueAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'check_latest' AND column_name IN ('phases', 'measurements', 'problems', 'findings', 'details')"));
        var latest = Assert.Single(await new CheckLatestStore(dataSource, ProbeCatalog.Default).ListAsync(TestContext.Current.CancellationToken)).Result;
        Assert.Equal((ProbeStatus.Down, TimeSpan.FromMilliseconds(4.5)), (latest.Status, latest.Duration));
        Assert.Equal([new PhaseTiming("connect", TimeSpan.FromMilliseconds(4.5))], latest.Phases);
        Assert.Equal(4.5, latest.Measurements["tcp.duration.connect_ms"].Number);
        Assert.Equal("start it", Assert.Single(latest.Problems).Hint);
        Assert.Equal("{\"remote\": \"127.0.0.1:9\"}", ProbeResultJson.Details(latest));
        Assert.Equal(4, Assert.Single(latest.Samples).Value);
    }

    private static Migrations Migrations(DatabaseConnection database) => new(database, NullLogger<Migrations>.Instance);

    private static async Task<long> CountJournalAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
