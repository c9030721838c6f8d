using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Cli;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Sentinel.Worker.Tests.Alerting;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary><c>sentinel alerts</c> and <c>sentinel notify test</c>, against a real database and a real SMTP server.</summary>
[Collection(DaemonHostTests.Name)]
public sealed class AlertCommandsTests(PostgresCluster postgres)
{
    [Fact]
    public async Task NotifyTest_EmailChannel_TheServerReceivesTheSampleAndExitIsZero()
    {
        await using var smtp = await SmtpSink.StartAsync();
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", Config(smtp.Port));

        var (code, output, errors) = await RunAsync("notify", "test", "sre-oncall", "--config", config);

        Assert.Equal(0, code);
        Assert.Equal("sre-oncall: accepted \"[TEST] Sentinel can notify sre-oncall\"\n", output);
        Assert.Empty(errors);
        Assert.Equal("[TEST] Sentinel can notify sre-oncall", Assert.Single(smtp.Messages).Subject);
    }

    [Fact]
    public async Task NotifyTest_UnknownChannelOrServerAway_SaysWhyWithTheExitCode()
    {
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", Config(TcpPorts.Closed()));

        var unknown = await RunAsync("notify", "test", "pager", "--config", config);
        var away = await RunAsync("notify", "test", "sre-oncall", "--config", config);

        Assert.Equal((2, "sentinel: unknown channel \"pager\"; known channels: sre-oncall\n"), (unknown.Code, unknown.Errors));
        Assert.Equal(1, away.Code);
        Assert.StartsWith("sentinel: sre-oncall: cannot reach the SMTP server 127.0.0.1:", away.Errors, StringComparison.Ordinal);
        Assert.EndsWith("(try again later)\n", away.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_AFiringCheck_IsListedWithItsReasonAndTheWaitingNotifications()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        await using (var database = NpgsqlDataSource.Create(connectionString))
        {
            var options = AlertingConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sentinel:Alerting:Channels:hook:Type"] = "webhook",
                ["Sentinel:Alerting:Channels:hook:Url"] = "http://127.0.0.1:9/",
                ["Sentinel:Alerting:Channels:hook:Secret"] = "0123456789abcdef",
            }).Build());
            var state = new DatabaseState();
            state.MarkReady();
            var evaluator = new AlertEvaluator(new AlertStore(database), new AlertPolicy(Options.Create(options)), state,
                Options.Create(new NodeOptions { Name = "node-1" }), TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
            var check = AlertResults.Check("""{ "after": 1, "notify": ["hook"] }""");
            await evaluator.EvaluateAsync(check, AlertResults.Down(check, new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero)), TestContext.Current.CancellationToken);
        }

        var (code, output, _) = await RunAsync("alerts", "--database", connectionString);

        Assert.Equal(0, code);
        Assert.Contains("firing    check_failing         critical  2026-12-01 09:00:00 UTC  Payments API (payments-api): tcp_refused\n", output, StringComparison.Ordinal);
        Assert.EndsWith("1 notification waiting to be sent\n", output, StringComparison.Ordinal);
    }

    private static string Config(int smtpPort) => $$"""
        { "Sentinel": { "Alerting": {
            "Smtp": { "Host": "127.0.0.1", "Port": {{smtpPort}}, "Security": "None", "From": "sentinel@example.test" },
            "Channels": { "sre-oncall": { "Type": "email", "To": ["oncall@example.test"] } } } } }
        """;

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var errors = new StringWriter { NewLine = "\n" };
        var code = await SentinelCli.InvokeAsync(args, output, errors, TestContext.Current.CancellationToken);
        return (code, output.ToString(), errors.ToString());
    }
}
