using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Dns;

/// <summary>
/// The whole daemon: <c>sentinel run</c> as a child process over a real PostgreSQL database, checking a real DNS
/// server every 2 s. A zone change must fail the check with dns_drift at its next run, and
/// <c>sentinel dns accept</c>, run as another process, must clear it for the running daemon.
/// </summary>
public sealed partial class DnsDriftEndToEndTests(PostgresCluster cluster) : IAsyncLifetime
{
    private const string CheckId = "e2e-dns";
    private const string Name = "www.e2e.test.";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly TempDirectory _directory = new("sentinel-e2e");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private string _database = null!;

    public async ValueTask InitializeAsync() => _database = await cluster.CreateDatabaseAsync();

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _dns.Dispose();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Run_ZoneChanges_CheckFailsWithDriftAtItsNextRunAndDnsAcceptClearsIt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        _dns.AddAddress(Name, "192.0.2.1");
        _directory.Write("checks/dns.json", $$"""
            { "id": "{{CheckId}}", "type": "dns", "target": "www.e2e.test", "interval": "2s", "timeout": "1s",
              "dns": { "servers": ["{{_dns.Address}}"], "drift": "baseline" } }
            """);
        var listen = $"http://127.0.0.1:{TcpPorts.Free()}";
        await using var daemon = SentinelProcess.Start(_directory.Path, null,
            "run", "--database", _database, "--checks", Path.Combine(_directory.Path, "checks"), "--listen", listen, "--node", "e2e");

        // The first good answer becomes the baseline, and the check is up.
        await Eventually.WaitAsync(async () => (await LatestAsync(DateTimeOffset.MinValue))?.Status == "up", Patience,
            $"a first up result of {CheckId} (daemon output: {daemon.Output})");
        Assert.Equal("0", await DriftMetricAsync(listen));

        // The zone changes: the first run that starts afterwards fails with dns_drift, naming what changed. (The
        // time is taken once the zone has changed, so that no run counted here can see it half-changed.)
        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.2");
        var changedAt = DateTimeOffset.UtcNow;
        var drifted = await Eventually.ValueAsync(() => FirstSinceAsync(changedAt), Patience, "a run after the zone changed");
        Assert.Equal(("down", "dns_drift"), (drifted.Status, drifted.Category));
        Assert.Contains("added [www.e2e.test. A 192.0.2.2]; removed [www.e2e.test. A 192.0.2.1]", drifted.Message, StringComparison.Ordinal);

        // That run is the next one, due within one interval; the slack is for a scheduler on a busy machine.
        Assert.True(drifted.StartedAt - changedAt <= Interval + TimeSpan.FromSeconds(2),
            $"the first run after the change started {(drifted.StartedAt - changedAt).TotalSeconds:0.00} s later, more than one interval");
        await Eventually.WaitAsync(async () => await DriftMetricAsync(listen) == "1", Patience, "sentinel_dns_drift 1 on /metrics");

        // sentinel dns accept, as another process, makes the current answer the baseline...
        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, TimeSpan.FromSeconds(60), "dns", "accept", CheckId, "--database", _database);
        Assert.True(exitCode == 0, output);
        Assert.Contains($"accepted 1 record(s) as the baseline of \"{CheckId}\" (sentinel dns accept by ", output, StringComparison.Ordinal);
        Assert.Contains("added [www.e2e.test. A 192.0.2.2]; removed [www.e2e.test. A 192.0.2.1]", output, StringComparison.Ordinal);
        var acceptedAt = DateTimeOffset.UtcNow;

        // ...and the running daemon compares with it from its next run on.
        var cleared = await Eventually.ValueAsync(() => FirstSinceAsync(acceptedAt), Patience, "a run after the accept");
        Assert.Equal(("up", null), (cleared.Status, cleared.Category));
        await Eventually.WaitAsync(async () => await DriftMetricAsync(listen) == "0", Patience, "sentinel_dns_drift 0 on /metrics");
        var (updatedBy, json) = await BaselineAsync();
        Assert.StartsWith("sentinel dns accept by ", updatedBy, StringComparison.Ordinal);
        Assert.Contains("www.e2e.test. A 192.0.2.2", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsAccept_DatabaseWithoutSchema_SaysToMigrate()
    {
        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, TimeSpan.FromSeconds(60), "dns", "accept", CheckId, "--database", _database);

        Assert.Equal(1, exitCode);
        Assert.Contains("sentinel: the database has no current Sentinel schema; run 'sentinel migrate' (or start 'sentinel run') first", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-check", "sentinel: no check has the id \"no-such-check\" in the database")]
    [InlineData("plain-dns", "sentinel: check \"plain-dns\" does not compare with a baseline; add \"drift\": \"baseline\" to its dns section")]
    [InlineData("a-tcp-check", "sentinel: check \"a-tcp-check\" is a tcp check; only dns checks have a drift baseline")]
    public async Task DnsAccept_CheckThatHasNoBaseline_IsRefusedWithUsageExit(string id, string message)
    {
        var database = await cluster.CreateMigratedDatabaseAsync();
        await InsertCheckAsync(database, "plain-dns", "dns", """{ "id": "plain-dns", "type": "dns", "target": "example.test", "dns": { "servers": ["127.0.0.1:9"] } }""");
        await InsertCheckAsync(database, "a-tcp-check", "tcp", """{ "id": "a-tcp-check", "type": "tcp", "target": "127.0.0.1:9" }""");

        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, TimeSpan.FromSeconds(60), "dns", "accept", id, "--database", database);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsAccept_CheckPassesButItsServersDiffer_SaysSoInsteadOfThatItFails()
    {
        using var other = DnsZoneServer.Start();
        _dns.AddAddress(Name, "192.0.2.1");
        other.AddAddress(Name, "192.0.2.2");
        var database = await cluster.CreateMigratedDatabaseAsync();
        await InsertCheckAsync(database, "two-views", "dns",
            $$"""{ "id": "two-views", "type": "dns", "target": "www.e2e.test", "dns": { "servers": ["{{_dns.Address}}", "{{other.Address}}"], "drift": "baseline" } }""");

        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, TimeSpan.FromSeconds(60), "dns", "accept", "two-views", "--database", database);

        Assert.Equal(1, exitCode);
        Assert.Contains("nothing accepted: check \"two-views\" passes, but its servers' answers differ (above), and one baseline serves them all", output, StringComparison.Ordinal);
        Assert.DoesNotContain("does not pass now", output, StringComparison.Ordinal);
    }

    private static async Task InsertCheckAsync(string database, string id, string type, string definition)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, definition, origin) VALUES ($1, $2, 'x', $1, 60000, 10000, true, $3::jsonb, 'file')",
            connection);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(type);
        command.Parameters.AddWithValue(definition);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<Row?> LatestAsync(DateTimeOffset since) => (await RowsAsync(since, "DESC")).FirstOrDefault();

    private async Task<Row?> FirstSinceAsync(DateTimeOffset since) => (await RowsAsync(since, "ASC")).FirstOrDefault();

    private async Task<List<Row>> RowsAsync(DateTimeOffset since, string order)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT started_at, status, failure_category, failure_message FROM results WHERE check_id = $1 AND started_at > $2 ORDER BY started_at {order} LIMIT 1",
            connection);
        command.Parameters.AddWithValue(CheckId);
        command.Parameters.AddWithValue(since == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : since);
        var rows = new List<Row>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(new Row(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? string.Empty : reader.GetString(3)));
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The daemon has not applied its migrations yet.
        }

        return rows;
    }

    private async Task<(string UpdatedBy, string Json)> BaselineAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT updated_by, value::text FROM check_state WHERE check_id = $1 AND key = 'dns.baseline'", connection);
        command.Parameters.AddWithValue(CheckId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1));
    }

    /// <summary>The value of sentinel_dns_drift for the check on /metrics, or null when it is not there.</summary>
    private async Task<string?> DriftMetricAsync(string listen)
    {
        var metrics = await _http.GetStringAsync($"{listen}/metrics");
        var match = DriftSeries().Match(metrics);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("""sentinel_dns_drift\{[^}]*job="e2e-dns"[^}]*\} ([0-9.]+)""")]
    private static partial Regex DriftSeries();

    private sealed record Row(DateTimeOffset StartedAt, string Status, string? Category, string Message);
}
