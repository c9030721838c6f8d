using Microsoft.AspNetCore.Http;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary>
/// <c>sentinel audit accept CHECK_ID</c>, run in-process over a real PostgreSQL database against a real HTTP server:
/// runs store and compare the posture through the database as the daemon does; a weaker posture is reported on every
/// run until the command makes it the baseline.
/// </summary>
public sealed class AuditCommandTests(PostgresCluster postgres)
{
    private const string CheckId = "web-headers";

    private static Action<HttpContext> Serving(bool csp) => c =>
    {
        HeaderServer.Add(c, "X-Content-Type-Options", "nosniff");
        if (csp)
        {
            HeaderServer.Add(c, "Content-Security-Policy", "default-src 'self'");
        }
    };

    [Fact]
    public async Task AuditAccept_WeakerPosture_BecomesTheBaselineAndTheFindingStops()
    {
        await using var server = await HeaderServer.StartAsync(Serving(csp: true));
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var definition = $$"""{ "id": "{{CheckId}}", "type": "headers", "target": "{{server.Url()}}", "headers": { "hsts": { "enabled": false } } }""";
        await StoreAsync(dataSource, definition);
        var check = CheckParser.Parse(definition, "checks.json", ProbeCatalog.Default.Checks).Checks[0].Definition;
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { State = new PostgresCheckStateStore(dataSource), Node = "node-a" });

        await runner.RunAsync(check, TestContext.Current.CancellationToken);
        server.Respond = Serving(csp: false);
        var weakened = await runner.RunAsync(check, TestContext.Current.CancellationToken);
        var again = await runner.RunAsync(check, TestContext.Current.CancellationToken);
        var (code, output, errors) = await RunAsync("audit", "accept", CheckId, "--database", database);
        var accepted = await runner.RunAsync(check, TestContext.Current.CancellationToken);

        Assert.Contains(weakened.Findings, f => f.Id == "posture.regressed" && f.Message.EndsWith(": Content-Security-Policy removed", StringComparison.Ordinal));
        Assert.Contains(again.Findings, f => f.Id == "posture.regressed");
        Assert.True(code == 0, errors + output);
        Assert.Contains($"accepted the header posture of \"{CheckId}\" as its baseline (sentinel audit accept by {Environment.UserName}@{Environment.MachineName}): CORS grants no foreign origin; security headers: nosniff", output, StringComparison.Ordinal);
        Assert.Matches(@"  replacing the baseline of \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(header audit on node-a\), which was stronger: Content-Security-Policy removed\n", output);
        Assert.DoesNotContain(accepted.Findings, f => f.Id == "posture.regressed");
        var stored = await new PostgresCheckStateStore(dataSource).GetAsync(CheckId, AuditPosture.StateKey, default);
        Assert.StartsWith("sentinel audit accept by ", stored!.UpdatedBy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a-tcp-check", "sentinel: check \"a-tcp-check\" is a tcp check; only headers checks and http checks with an audit have a header posture")]
    [InlineData("plain-http", "sentinel: check \"plain-http\" has no header audit; add an \"audit\" object to its http section")]
    [InlineData("no-posture", "sentinel: check \"no-posture\" does not keep its header posture (\"posture\": false)")]
    [InlineData("no-such-check", "sentinel: no check has the id \"no-such-check\" in the database")]
    public async Task AuditAccept_CheckWithoutAPosture_IsRefusedWithUsageExit(string id, string message)
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await StoreAsync(dataSource,
            """{ "id": "a-tcp-check", "type": "tcp", "target": "127.0.0.1:9" }""",
            """{ "id": "plain-http", "type": "http", "target": "http://127.0.0.1:9/" }""",
            """{ "id": "no-posture", "type": "headers", "target": "http://127.0.0.1:9/", "headers": { "posture": false } }""");

        var (code, output, errors) = await RunAsync("audit", "accept", id, "--database", database);

        Assert.Equal(2, code);
        Assert.StartsWith(message, errors, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task AuditAccept_TargetDown_AcceptsNothing()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await StoreAsync(dataSource, $$"""{ "id": "{{CheckId}}", "type": "headers", "target": "http://127.0.0.1:{{TcpPorts.Closed()}}/" }""");

        var (code, output, _) = await RunAsync("audit", "accept", CheckId, "--database", database);

        Assert.Equal(1, code);
        Assert.Contains($"nothing accepted: the header audit of \"{CheckId}\" did not complete now", output, StringComparison.Ordinal);
        Assert.Null(await new PostgresCheckStateStore(dataSource).GetAsync(CheckId, AuditPosture.StateKey, default));
    }

    private static async Task StoreAsync(NpgsqlDataSource dataSource, params string[] checks)
    {
        var document = CheckParser.Parse(checks.Length == 1 ? checks[0] : "[" + string.Join(",", checks) + "]", "checks.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        await new CheckStore(dataSource).SyncFileChecksAsync([document], default);
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var errors = new StringWriter { NewLine = "\n" };
        var code = await SentinelCli.InvokeAsync(args, output, errors, TestContext.Current.CancellationToken);
        return (code, output.ToString(), errors.ToString());
    }
}
