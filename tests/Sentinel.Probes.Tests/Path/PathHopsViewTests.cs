using Npgsql;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// The <c>path_hops</c> view turns the hops a path result stores in <c>results.details</c> into rows for
/// dashboards; fed with the details of a real run to loopback, on a real PostgreSQL.
/// </summary>
public sealed class PathHopsViewTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task PathHops_StoredPathResult_HasOneRowPerHop()
    {
        var check = CheckParser.Parse("""{"id": "loop-path", "type": "path", "target": "127.0.0.1", "path": {"cycles": 3, "interval": "10ms"}}""", "t.json", ProbeCatalog.Default.Checks).Checks[0].Definition;
        var result = await new ProbeRunner(ProbeCatalog.Default, new ProbeContext()).RunAsync(check, CancellationToken.None);
        Assert.True(result.Status == ProbeStatus.Up, ProbeResultJson.Serialize(result));
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await Execute(dataSource,
            "INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, definition, origin) VALUES ('loop-path', 'path', '127.0.0.1', 'loop-path', 60000, 10000, true, '{}', 'api')");
        await Execute(dataSource,
            "INSERT INTO results (check_id, started_at, duration_ms, status, phases, measurements, problems, findings, details, node) VALUES ('loop-path', now(), 1, 'up', '{}', '{}', '[]', '[]', $1::jsonb, 'n1')",
            ProbeResultJson.Details(result)!);

        await using var query = dataSource.CreateCommand("SELECT hop, address, sent, received, loss_ratio, avg_ms > 0 FROM path_hops WHERE check_id = 'loop-path'");
        await using var reader = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal((1, "127.0.0.1", 3, 3, 0.0, true), (reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetDouble(4), reader.GetBoolean(5)));
        Assert.False(await reader.ReadAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PathHops_CheckRemovedOrRetyped_KeepsItsPathHistory()
    {
        var details = await LoopbackDetailsAsync();
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());

        // One check's file was removed (no row left); another became an icmp check. Their path results remain.
        await Execute(dataSource,
            "INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, definition, origin) VALUES ('retyped', 'icmp', '127.0.0.1', 'retyped', 60000, 10000, true, '{}', 'api')");
        foreach (var check in new[] { "removed", "retyped" })
        {
            await Execute(dataSource,
                $"INSERT INTO results (check_id, started_at, duration_ms, status, phases, measurements, problems, findings, details, node) VALUES ('{check}', now(), 1, 'up', '{{}}', '{{}}', '[]', '[]', $1::jsonb, 'n1')",
                details);
        }

        // Details of another type, with a "hops" member of its own, are not a path's.
        await Execute(dataSource,
            "INSERT INTO results (check_id, started_at, duration_ms, status, phases, measurements, problems, findings, details, node) VALUES ('other', now(), 1, 'up', '{}', '{}', '[]', '[]', '{\"hops\": [{\"hop\": 1}]}'::jsonb, 'n1')");

        await using var query = dataSource.CreateCommand("SELECT check_id, hop, address, responders, reached, last_ms > 0 FROM path_hops ORDER BY check_id");
        await using var reader = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<(string, int, string, string, bool, bool)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2), string.Join(",", reader.GetFieldValue<string[]>(3)), reader.GetBoolean(4), reader.GetBoolean(5)));
        }

        Assert.Equal([("removed", 1, "127.0.0.1", "127.0.0.1", true, true), ("retyped", 1, "127.0.0.1", "127.0.0.1", true, true)], rows);
    }

    private static async Task<string> LoopbackDetailsAsync()
    {
        var check = CheckParser.Parse("""{"id": "loop-path", "type": "path", "target": "127.0.0.1", "path": {"cycles": 3, "interval": "10ms"}}""", "t.json", ProbeCatalog.Default.Checks).Checks[0].Definition;
        var result = await new ProbeRunner(ProbeCatalog.Default, new ProbeContext()).RunAsync(check, CancellationToken.None);
        Assert.True(result.Status == ProbeStatus.Up, ProbeResultJson.Serialize(result));
        return ProbeResultJson.Details(result)!;
    }

    private static async Task Execute(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
