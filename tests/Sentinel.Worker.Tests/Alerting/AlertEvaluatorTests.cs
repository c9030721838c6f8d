using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Xunit;
using static Sentinel.Worker.Tests.Alerting.AlertResults;

namespace Sentinel.Worker.Tests.Alerting;

/// <summary>Alert state and the outbox in a real PostgreSQL: one transaction per change, nothing lost or doubled across restarts and nodes.</summary>
public sealed class AlertEvaluatorTests(PostgresCluster postgres)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public async Task EvaluateAsync_FiresAfterTwo_StoresStateAndOneMessagePerChannelInOneGo()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);
        var check = Check("""{ "after": 2, "notify": ["sre-oncall", "hook"] }""");

        await FeedAsync(evaluator, check, 'D');
        Assert.Equal("pending", await database.QueryValueAsync<string>("SELECT state FROM alerts WHERE key = 'payments-api'"));
        Assert.Equal(0L, await database.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox"));
        await FeedAsync(evaluator, check, 'D');

        var alert = (await database.QueryListAsync<AlertRow>("SELECT kind AS Kind, state AS State, since AS Since, sequence AS Sequence, reason AS Reason FROM alerts")).Single();
        Assert.Equal(("check_failing", "firing", Start.UtcDateTime, 1L, "tcp_refused"), (alert.Kind, alert.State, alert.Since.ToUniversalTime(), alert.Sequence, alert.Reason));
        var rows = await OutboxAsync(database);
        Assert.Equal(["hook", "sre-oncall"], rows.Select(r => r.Channel).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(("firing", "[FIRING] Payments API: tcp_refused", "queued"), (r.Event, r.Subject, r.State)));
    }

    [Fact]
    public async Task EvaluateAsync_FiringMessage_SaysWhatFailedSinceWhenTheHintTheFiguresAndTheLink()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);

        await FeedAsync(evaluator, Check("""{ "after": 2, "notify": ["sre-oncall"] }"""), 'D', 'D');

        var text = (await OutboxAsync(database)).Single().TextBody;
        Assert.Equal(
            """
            Payments API (payments-api, tcp 127.0.0.1:443) failed 2 of its last 2 runs, failing since 2026-12-01 09:00:00 UTC.

            What failed: 127.0.0.1:443 refused the connection: nothing is listening on port 443
            Category:    tcp_refused (tcp)
            Hint:        nothing listens on 127.0.0.1:443; is the service running, and bound to this address and port?

            Last result: down at 2026-12-01 09:01:00 UTC, took 1 ms
              connect      0.4 ms

            Severity: critical; alert check_failing payments-api, notification 1.
            Check: https://sentinel.example.test/checks/payments-api

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            text);
    }

    [Fact]
    public async Task EvaluateAsync_RestartInTheMiddleOfAFiringAlert_NeitherRepeatsNorLosesIt()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        var check = Check("""{ "after": 2, "notify": ["sre-oncall"] }""");
        await using (var database = NpgsqlDataSource.Create(connectionString))
        {
            await FeedAsync(Evaluator(database), check, 'D', 'D');
        }

        await using (var database = NpgsqlDataSource.Create(connectionString))
        {
            var restarted = Evaluator(database);
            await FeedAsync(restarted, check, 'D', 'D', 'D', 'U');

            Assert.Equal(["firing", "resolved"], (await OutboxAsync(database)).Select(r => r.Event));
            Assert.Equal("[RESOLVED] Payments API", (await OutboxAsync(database))[1].Subject);
            Assert.Contains("It had been failing since 2026-12-01 09:00:00 UTC (5m), tcp_refused.", (await OutboxAsync(database))[1].TextBody, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EvaluateAsync_TwoNodesEvaluatingTheSameResults_NotifyOnce()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        await using var first = NpgsqlDataSource.Create(connectionString);
        await using var second = NpgsqlDataSource.Create(connectionString);
        var nodes = new[] { Evaluator(first, "node-1"), Evaluator(second, "node-2") };
        var check = Check("""{ "after": 3, "notify": ["sre-oncall"] }""");
        var results = Enumerable.Range(0, 6).Select(i => Down(check, Start.AddMinutes(i))).Append(Up(check, Start.AddMinutes(6))).ToList();

        // Each node sees every result, in order, at the same time as the other.
        await Task.WhenAll(nodes.Select(node => Task.Run(async () =>
        {
            foreach (var result in results)
            {
                await node.EvaluateAsync(check, result, TestContext.Current.CancellationToken);
            }
        })));

        Assert.Equal(["firing", "resolved"], (await OutboxAsync(first)).Select(r => r.Event));
        Assert.Equal("", await first.QueryValueAsync<string>("SELECT recent FROM alerts WHERE kind = 'check_failing'"));
    }

    [Fact]
    public async Task EvaluateAsync_MostResultsUnknown_OneBlindAlertAndNoCheckPages()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);
        var check = Check("""{ "after": 1, "notify": ["sre-oncall"] }""");

        await FeedAsync(evaluator, check, '?', '?', '?', '?', '?', '?');

        var row = (await OutboxAsync(database)).Single();
        Assert.Equal("[FIRING] Sentinel is blind: probe_error: too many open files", row.Subject);
        Assert.Contains("Node node-1 cannot tell whether its targets work: 3 of its 3 results in the last 5m were unknown", row.TextBody, StringComparison.Ordinal);
        Assert.Equal("ok", await database.QueryValueAsync<string>("SELECT state FROM alerts WHERE kind = 'check_failing'"));

        await FeedAsync(evaluator, check, 'U', 'U', 'U', 'U');

        Assert.Equal(["firing", "resolved"], (await OutboxAsync(database)).Select(r => r.Event));
    }

    [Fact]
    public async Task EvaluateAsync_AlertOff_WritesNothing()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());

        await FeedAsync(Evaluator(database), Check("false"), 'D', 'D', 'D', 'D');

        Assert.Equal(0L, await database.QueryValueAsync<long>("SELECT count(*) FROM alerts WHERE kind = 'check_failing'"));
    }

    [Fact]
    public async Task EvaluateAsync_APassingCheckThatStaysOk_WritesItsAlertOnlyToRefreshItsBookkeeping()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var evaluator = Evaluator(database);
        var check = Check("""{ "after": 2, "notify": ["sre-oncall"] }""");
        const string Row = "SELECT xmin::text || '/' || recent || '/' || last_result_at FROM alerts WHERE key = 'payments-api'";

        // Until the window of recent outcomes (two runs) is full, every pass changes it and is written.
        await FeedAsync(evaluator, check, TimeSpan.FromSeconds(10), 'U', 'U');
        var full = await database.QueryValueAsync<string>(Row);
        Assert.Equal("PP", full.Split('/')[1]);

        // Then a pass changes only which result was counted last: not written within a minute of the last write ...
        await FeedAsync(evaluator, check, TimeSpan.FromSeconds(10), 'U', 'U', 'U', 'U');
        Assert.Equal(full, await database.QueryValueAsync<string>(Row));

        // ... but once a minute has passed, so that last_result_at trails by at most that.
        await FeedAsync(evaluator, check, TimeSpan.FromSeconds(10), 'U', 'U');
        var refreshed = await database.QueryValueAsync<string>(Row);
        Assert.NotEqual(full, refreshed);
        Assert.Equal(full.Split('/')[1], refreshed.Split('/')[1]);

        // A failure changes the state: written at once.
        await FeedAsync(evaluator, check, TimeSpan.FromSeconds(10), 'D');
        Assert.Equal("pending", await database.QueryValueAsync<string>("SELECT state FROM alerts WHERE key = 'payments-api'"));
    }

    private Task FeedAsync(AlertEvaluator evaluator, Probes.Checks.CheckDefinition check, params char[] outcomes) =>
        FeedAsync(evaluator, check, TimeSpan.FromMinutes(1), outcomes);

    private async Task FeedAsync(AlertEvaluator evaluator, Probes.Checks.CheckDefinition check, TimeSpan step, params char[] outcomes)
    {
        foreach (var outcome in outcomes)
        {
            var at = _time.GetUtcNow();
            var result = outcome switch
            {
                'D' => Down(check, at),
                'U' => Up(check, at),
                _ => Unknown(check, at),
            };
            await evaluator.EvaluateAsync(check, result, TestContext.Current.CancellationToken);
            _time.Advance(step);
        }
    }

    private static Task<IReadOnlyList<OutboxRow>> OutboxAsync(NpgsqlDataSource database) => database.QueryListAsync<OutboxRow>(
        "SELECT channel AS Channel, event AS Event, subject AS Subject, state AS State, text_body AS TextBody FROM alert_outbox ORDER BY id");

    private AlertEvaluator Evaluator(NpgsqlDataSource database, string node = "node-1")
    {
        var options = AlertingConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sentinel:Alerting:PublicUrl"] = "https://sentinel.example.test/",
            ["Sentinel:Alerting:Smtp:Host"] = "127.0.0.1",
            ["Sentinel:Alerting:Smtp:From"] = "sentinel@example.test",
            ["Sentinel:Alerting:Channels:sre-oncall:Type"] = "email",
            ["Sentinel:Alerting:Channels:sre-oncall:To:0"] = "oncall@example.test",
            ["Sentinel:Alerting:Channels:hook:Type"] = "webhook",
            ["Sentinel:Alerting:Channels:hook:Url"] = "http://127.0.0.1:9/",
            ["Sentinel:Alerting:Channels:hook:Secret"] = "0123456789abcdef",
            ["Sentinel:Alerting:Defaults:Notify:0"] = "sre-oncall",
        }).Build());
        var state = new DatabaseState();
        state.MarkReady();
        return new AlertEvaluator(new AlertStore(database), new AlertPolicy(Options.Create(options)), state,
            Options.Create(new NodeOptions { Name = node }), _time, NullLogger<AlertEvaluator>.Instance);
    }

    private sealed record AlertRow(string Kind, string State, DateTime Since, long Sequence, string? Reason);

    private sealed record OutboxRow(string Channel, string Event, string Subject, string State, string TextBody);
}
