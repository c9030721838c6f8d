using System.Net;
using System.Net.Sockets;
using Npgsql;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Alerting;

/// <summary>
/// The whole alerting path in the real <c>sentinel run</c> process: a closed port and a certificate that expires in 5
/// days, a real SMTP server receiving exactly the expected messages, across a restart, until the port opens.
/// </summary>
public sealed class AlertingEndToEndTests(PostgresCluster postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Run_ClosedPortAndExpiringCertificate_SmtpReceivesExactlyFiringExpiringThenResolved()
    {
        using var work = new TempDirectory("sentinel-alerting-e2e");
        using var ca = TestCertificateAuthority.Create();
        var now = DateTimeOffset.UtcNow;
        await using var tls = TlsServer.Start(ca.Issue(new CertificateSpec { NotBefore = now.AddDays(-85), NotAfter = now.AddDays(5).AddHours(1) }));
        await using var smtp = await SmtpSink.StartAsync();
        var port = TcpPorts.Free();
        var caFile = work.Write("root.pem", ca.RootPem);
        work.Write("checks/port.json", $$"""
            { "id": "payments-port", "name": "Payments port", "type": "tcp", "target": "127.0.0.1:{{port}}", "interval": "1s", "alert": { "after": 2 } }
            """);
        work.Write("checks/cert.json", $$"""
            { "id": "payments-tls", "name": "Payments TLS", "type": "tls", "target": "{{tls.Target}}", "interval": "1s",
              "tls": { "caFile": "{{caFile}}", "serverName": "www.sentinel.test", "expiryThreshold": "1h" } }
            """);
        var config = work.Write("sentinel.json", $$"""
            { "Sentinel": { "Alerting": {
                "PublicUrl": "https://sentinel.example.test",
                "Smtp": { "Host": "127.0.0.1", "Port": {{smtp.Port}}, "Security": "None", "From": "Sentinel <sentinel@example.test>" },
                "Channels": { "sre-oncall": { "Type": "email", "To": ["oncall@example.test"] } },
                "Defaults": { "Notify": ["sre-oncall"] } } } }
            """);
        var database = await postgres.CreateDatabaseAsync();
        await using var results = NpgsqlDataSource.Create(database);
        string[] run = ["run", "--config", config, "--checks", Path.Combine(work.Path, "checks"), "--database", database, "--listen", $"http://127.0.0.1:{TcpPorts.Free()}"];

        await using (var sentinel = SentinelProcess.Start(work.Path, null, run))
        {
            await Eventually.WaitAsync(() => smtp.Messages.Count >= 2, Bound, "the firing and expiring emails" + Environment.NewLine + sentinel.Output);
            Assert.Equal(
                ["[EXPIRING] www.sentinel.test in 5 days", "[FIRING] Payments port: tcp_refused"],
                smtp.Messages.Select(m => m.Subject).Order(StringComparer.Ordinal));
            output.WriteLine(smtp.Messages.First(m => m.Subject!.StartsWith("[FIRING]", StringComparison.Ordinal)).TextBody ?? "");

            // Nothing more while both go on failing: wait for ten more runs of each check.
            await MoreRunsAsync(results, 10, sentinel);
            Assert.Equal(2, smtp.Messages.Count);
            sentinel.Terminate();
            Assert.True(await sentinel.WaitForExitAsync(TimeSpan.FromSeconds(30)), "sentinel did not stop on SIGTERM");
        }

        await using (var restarted = SentinelProcess.Start(work.Path, null, run))
        {
            await MoreRunsAsync(results, 10, restarted);
            Assert.Equal(2, smtp.Messages.Count);

            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            await Eventually.WaitAsync(() => smtp.Messages.Count >= 3, Bound, "the resolved email" + Environment.NewLine + restarted.Output);
            await MoreRunsAsync(results, 3, restarted);

            Assert.Equal(3, smtp.Messages.Count);
            Assert.Equal("[RESOLVED] Payments port", smtp.Messages[2].Subject);
            Assert.Contains("Payments port (payments-port, tcp 127.0.0.1:", smtp.Messages[2].TextBody, StringComparison.Ordinal);
            Assert.Equal(3L, await results.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox WHERE state = 'sent'"));
        }
    }

    [Fact]
    public async Task Run_TwoNodesOverOneDatabase_NotifyEachChangeOnce()
    {
        using var work = new TempDirectory("sentinel-alerting-two-nodes");
        await using var smtp = await SmtpSink.StartAsync();
        var port = TcpPorts.Free();
        work.Write("checks/port.json", $$"""
            { "id": "payments-port", "name": "Payments port", "type": "tcp", "target": "127.0.0.1:{{port}}", "interval": "1s", "alert": { "after": 2 } }
            """);
        var config = work.Write("sentinel.json", $$"""
            { "Sentinel": { "Alerting": {
                "Smtp": { "Host": "127.0.0.1", "Port": {{smtp.Port}}, "Security": "None", "From": "Sentinel <sentinel@example.test>" },
                "Channels": { "sre-oncall": { "Type": "email", "To": ["oncall@example.test"] } },
                "Defaults": { "Notify": ["sre-oncall"] } } } }
            """);
        var database = await postgres.CreateDatabaseAsync();
        await using var results = NpgsqlDataSource.Create(database);
        // Each node in its own directory, as on its own machine: a node's spill file is its own.
        SentinelProcess Node(string name) => SentinelProcess.Start(Directory.CreateDirectory(Path.Combine(work.Path, name)).FullName, null,
            "run", "--config", config, "--checks", Path.Combine(work.Path, "checks"), "--database", database, "--listen", $"http://127.0.0.1:{TcpPorts.Free()}", "--node", name);

        // Both nodes run the check and evaluate their results against the same alert row, and both drain the outbox.
        await using var first = Node("node-a");
        await using var second = Node("node-b");
        await Eventually.WaitAsync(() => smtp.Messages.Count >= 1, Bound, "the firing email" + Environment.NewLine + first.Output + second.Output);
        await Eventually.WaitAsync(async () => await NodesAsync(results) == 2, Bound, "results from both nodes" + Environment.NewLine + first.Output + second.Output);
        await PortRunsAsync(results, 10, first);
        Assert.Equal(["[FIRING] Payments port: tcp_refused"], smtp.Messages.Select(m => m.Subject));

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        await Eventually.WaitAsync(() => smtp.Messages.Count >= 2, Bound, "the resolved email" + Environment.NewLine + first.Output + second.Output);
        await PortRunsAsync(results, 10, first);

        Assert.Equal(["[FIRING] Payments port: tcp_refused", "[RESOLVED] Payments port"], smtp.Messages.Select(m => m.Subject));
        Assert.Equal(2L, await results.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox WHERE state = 'sent'"));
    }

    private static async Task<long> NodesAsync(NpgsqlDataSource results)
    {
        try
        {
            return await results.QueryValueAsync<long>("SELECT count(DISTINCT node) FROM results WHERE check_id = 'payments-port'");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Not migrated yet.
            return 0;
        }
    }

    private static async Task PortRunsAsync(NpgsqlDataSource results, int runs, SentinelProcess sentinel)
    {
        var before = await results.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'payments-port'");
        await Eventually.WaitAsync(async () => await results.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'payments-port'") >= before + runs,
            Bound, $"{runs} more runs" + Environment.NewLine + sentinel.Output);
    }

    private static async Task MoreRunsAsync(NpgsqlDataSource results, int runs, SentinelProcess sentinel)
    {
        var counts = await CountsAsync(results);
        await Eventually.WaitAsync(async () =>
        {
            var now = await CountsAsync(results);
            return now.Port >= counts.Port + runs && now.Tls >= counts.Tls + runs;
        }, Bound, $"{runs} more runs of each check" + Environment.NewLine + sentinel.Output);
    }

    private static async Task<(long Port, long Tls)> CountsAsync(NpgsqlDataSource results) => (
        await results.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'payments-port'"),
        await results.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'payments-tls'"));
}
