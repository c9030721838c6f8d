using Npgsql;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Alerting;

/// <summary>
/// DNS drift alerts in the real <c>sentinel run</c> process: a real DNS server on loopback whose zone the test changes,
/// a real SMTP server receiving the mail. One [DRIFT] with the diff per change, one [RESOLVED] when the zone changes
/// back, and one when <c>sentinel dns accept</c>, run as another process, takes the new answer as the baseline.
/// </summary>
public sealed class DnsDriftAlertsEndToEndTests(PostgresCluster postgres, ITestOutputHelper output)
{
    private const string Name = "mail.e2e.test.";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Run_ZoneChangesBackThenChangesAndIsAccepted_OneDriftWithTheDiffAndOneResolvedEach()
    {
        using var work = new TempDirectory("sentinel-dns-alerts-e2e");
        using var dns = DnsZoneServer.Start();
        await using var smtp = await SmtpSink.StartAsync();
        dns.AddAddress(Name, "203.0.113.7");
        work.Write("checks/mail.json", $$"""
            { "id": "mail-dns", "name": "Mail DNS", "type": "dns", "target": "mail.e2e.test", "interval": "1s", "timeout": "900ms",
              "dns": { "servers": ["{{dns.Address}}"], "drift": "baseline" }, "alert": { "after": 1, "notify": ["sre-oncall"] } }
            """);
        var config = work.Write("sentinel.json", $$"""
            { "Sentinel": { "Alerting": {
                "PublicUrl": "https://sentinel.example.test",
                "Smtp": { "Host": "127.0.0.1", "Port": {{smtp.Port}}, "Security": "None", "From": "Sentinel <sentinel@example.test>" },
                "Channels": {
                  "sre-oncall": { "Type": "email", "To": ["oncall@example.test"] },
                  "dns-team": { "Type": "email", "To": ["dns@example.test"] } },
                "Dns": { "Notify": ["dns-team"] } } } }
            """);
        var database = await postgres.CreateDatabaseAsync();
        await using var results = NpgsqlDataSource.Create(database);
        await using var sentinel = SentinelProcess.Start(work.Path, null,
            "run", "--config", config, "--checks", Path.Combine(work.Path, "checks"), "--database", database, "--listen", $"http://127.0.0.1:{TcpPorts.Free()}");

        // The first answer is the baseline; a few runs match it and nothing is sent.
        await MoreRunsAsync(results, 3, sentinel);
        Assert.Empty(smtp.Messages);

        // The zone changes: one [DRIFT] with the diff, to the DNS channel only, however many runs see it.
        dns.Remove(Name);
        dns.AddAddress(Name, "198.51.100.9");
        await Eventually.WaitAsync(() => smtp.Messages.Count >= 1, Bound, "the drift email" + Environment.NewLine + sentinel.Output);
        await MoreRunsAsync(results, 5, sentinel);
        var drift = Assert.Single(smtp.Messages);
        output.WriteLine(drift.TextBody ?? string.Empty);
        Assert.Equal("[DRIFT] Mail DNS A", drift.Subject);
        Assert.Equal("dns@example.test", Assert.Single(drift.To.Mailboxes).Address);
        Assert.Contains($"Server: {dns.Address}\nAdded (1):\n  mail.e2e.test. A 198.51.100.9\nRemoved (1):\n  mail.e2e.test. A 203.0.113.7\n", drift.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hint: if the change is intended, make it the new baseline with: sentinel dns accept mail-dns;", drift.TextBody, StringComparison.Ordinal);

        // It changes back: one [RESOLVED].
        dns.Remove(Name);
        dns.AddAddress(Name, "203.0.113.7");
        await Eventually.WaitAsync(() => smtp.Messages.Count >= 2, Bound, "the resolved email" + Environment.NewLine + sentinel.Output);
        await MoreRunsAsync(results, 3, sentinel);
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal("[RESOLVED] Mail DNS A", smtp.Messages[1].Subject);
        Assert.Contains("the answer for mail.e2e.test. A matches the baseline again since ", smtp.Messages[1].TextBody, StringComparison.Ordinal);

        // It changes again, and this time the new answer is accepted: one more [DRIFT], then [RESOLVED] saying who accepted it.
        dns.Remove(Name);
        dns.AddAddress(Name, "198.51.100.10");
        await Eventually.WaitAsync(() => smtp.Messages.Count >= 3, Bound, "the second drift email" + Environment.NewLine + sentinel.Output);
        Assert.Equal("[DRIFT] Mail DNS A", smtp.Messages[2].Subject);
        Assert.Contains("Added (1):\n  mail.e2e.test. A 198.51.100.10\n", smtp.Messages[2].TextBody, StringComparison.Ordinal);
        var (exitCode, accepted) = await SentinelProcess.RunAsync(work.Path, TimeSpan.FromSeconds(60), "dns", "accept", "mail-dns", "--database", database);
        Assert.True(exitCode == 0, accepted);
        await Eventually.WaitAsync(() => smtp.Messages.Count >= 4, Bound, "the resolved email after the accept" + Environment.NewLine + sentinel.Output);
        await MoreRunsAsync(results, 3, sentinel);

        Assert.Equal(4, smtp.Messages.Count);
        Assert.Equal("[RESOLVED] Mail DNS A", smtp.Messages[3].Subject);
        Assert.Matches(@"the answer for mail\.e2e\.test\. A became the baseline at [0-9-]+ [0-9:]+ UTC \(sentinel dns accept by [^)]+\)\.", smtp.Messages[3].TextBody);
        Assert.Contains("Baseline (1 record):\n  mail.e2e.test. A 198.51.100.10\n", smtp.Messages[3].TextBody, StringComparison.Ordinal);

        // Drift has its own alert: the check-failing alert never fired for it.
        Assert.Equal(0L, await results.QueryValueAsync<long>("SELECT count(*) FROM alerts WHERE kind = 'check_failing' AND state <> 'ok'"));
        Assert.Equal(4L, await results.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox WHERE state = 'sent'"));
    }

    private static async Task MoreRunsAsync(NpgsqlDataSource results, int runs, SentinelProcess sentinel)
    {
        var before = await CountAsync(results);
        await Eventually.WaitAsync(async () => await CountAsync(results) >= before + runs, Bound, $"{runs} more runs" + Environment.NewLine + sentinel.Output);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource results)
    {
        try
        {
            return await results.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'mail-dns'");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The daemon has not applied its migrations yet.
            return 0;
        }
    }
}
