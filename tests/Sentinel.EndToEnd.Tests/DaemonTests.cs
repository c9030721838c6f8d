using System.Text.RegularExpressions;
using Npgsql;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests;

/// <summary>The real <c>sentinel run</c> process, as an operator runs it.</summary>
public sealed partial class DaemonTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_WithADatabase_StoresResultsAndExportsProbeSuccessForEachCheck()
    {
        using var checks = new TempDirectory("sentinel-checks");
        using var listener = new CountingListener();
        checks.Write("up.json", $$"""{ "id": "up", "type": "tcp", "target": "{{listener.EndPoint}}", "interval": "1s" }""");
        checks.Write("down.json", $$"""{ "id": "down", "type": "tcp", "target": "127.0.0.1:{{TcpPorts.Closed()}}", "interval": "1s" }""");
        var database = await postgres.CreateDatabaseAsync();
        var listen = $"http://127.0.0.1:{TcpPorts.Free()}";

        await using var sentinel = SentinelProcess.Start(checks.Path, null, "run", "--checks", checks.Path, "--database", database, "--listen", listen);
        using var http = new HttpClient { BaseAddress = new Uri(listen) };
        await using var dataSource = NpgsqlDataSource.Create(database);

        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(DISTINCT check_id) FROM results") == 2,
            Bound, "results rows of both checks" + Environment.NewLine + sentinel.Output);
        var metrics = await Eventually.ValueAsync(async () =>
        {
            var text = await http.GetStringAsync("/metrics");
            return ProbeSuccess(text, "up") is not null && ProbeSuccess(text, "down") is not null ? text : null;
        }, Bound, "probe_success of both checks on /metrics");
        Assert.Equal("1", ProbeSuccess(metrics, "up"));
        Assert.Equal("0", ProbeSuccess(metrics, "down"));
        Assert.Equal("tcp_refused", await dataSource.QueryValueAsync<string>("SELECT failure_category FROM results WHERE check_id = 'down' LIMIT 1"));

        sentinel.Terminate();
        Assert.True(await sentinel.WaitForExitAsync(TimeSpan.FromSeconds(30)), "sentinel did not stop on SIGTERM");
        Assert.Equal(0, sentinel.ExitCode);
        Assert.Contains("Application is shutting down", sentinel.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", sentinel.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithoutADatabase_StartsItsEmbeddedClusterAndStopsIt()
    {
        using var work = new TempDirectory("sentinel-e2e");
        using var listener = new CountingListener();
        work.Write("checks/self.json", $$"""{ "id": "self", "type": "tcp", "target": "{{listener.EndPoint}}", "interval": "1s" }""");
        var listen = $"http://127.0.0.1:{TcpPorts.Free()}";

        await using var sentinel = SentinelProcess.Start(work.Path, null, "run", "--checks", "checks", "--listen", listen);
        using var http = new HttpClient { BaseAddress = new Uri(listen) };

        await Eventually.WaitAsync(async () => ProbeSuccess(await http.GetStringAsync("/metrics"), "self") == "1", Bound,
            "probe_success of the check" + Environment.NewLine + sentinel.Output);
        Assert.True(File.Exists(Path.Combine(work.Path, ".sentinel", "pg", "PG_VERSION")));
        await using (var dataSource = NpgsqlDataSource.Create($"Host={Path.Combine(work.Path, ".sentinel", "pg")};Username=sentinel;Database=sentinel;Pooling=false"))
        {
            await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'self'") > 0,
                Bound, "a result row in the embedded database");
        }

        sentinel.Terminate();
        Assert.True(await sentinel.WaitForExitAsync(TimeSpan.FromSeconds(60)), "sentinel did not stop on SIGTERM");
        Assert.Equal(0, sentinel.ExitCode);
        Assert.Contains("Stopped the embedded PostgreSQL", sentinel.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(work.Path, ".sentinel", "pg", "postmaster.pid")), "the embedded server is still running");
    }

    [Fact]
    public async Task Probe_ClosedPort_PrintsTcpRefusedAndExitsOne()
    {
        var port = TcpPorts.Closed();

        var (code, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, TimeSpan.FromSeconds(60), "probe", "tcp", $"127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Contains($"FAILURE tcp_refused (tcp): 127.0.0.1:{port} refused the connection", output, StringComparison.Ordinal);
        Assert.Contains("  hint: ", output, StringComparison.Ordinal);
    }

    private static string? ProbeSuccess(string metrics, string check)
    {
        var match = Regex.Match(metrics, $"^probe_success\\{{[^}}]*job=\"{check}\"[^}}]*\\}} (\\S+)", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }
}
