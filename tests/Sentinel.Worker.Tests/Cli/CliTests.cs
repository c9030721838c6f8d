using System.Text.Json;
using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary>
/// The sentinel command line, run in-process: exit codes and what a person reads. <c>run</c> builds the whole
/// daemon here (its meter and instruments included), so these tests take their turn with the other daemon hosts.
/// </summary>
[Collection(DaemonHostTests.Name)]
public sealed class CliTests(PostgresCluster postgres)
{
    [Fact]
    public async Task Validate_ExampleChecks_ExitsZero()
    {
        var examples = Directory.GetFiles(Path.Combine(RepositoryRoot, "examples", "checks"), "*.json");

        var (code, output, _) = await RunAsync("validate", Path.Combine(RepositoryRoot, "examples", "checks"));

        Assert.Equal(0, code);
        Assert.Contains("nothing-listening.json: OK (1 check)", output, StringComparison.Ordinal);
        Assert.EndsWith($"{examples.Length} files: {examples.Length} valid, 0 invalid; {examples.Length} checks\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_FolderWithAnInvalidFile_ExitsOneAndPrintsEveryError()
    {
        using var dir = new TempDirectory();
        dir.Write("ok.json", """{ "id": "ok", "type": "tcp", "target": "127.0.0.1:1" }""");
        var bad = dir.Write("sub/bad.json", "{\n  \"id\": \"Bad\",\n  \"type\": \"tcp\",\n  \"target\": \"127.0.0.1\"\n}\n");

        var (code, output, _) = await RunAsync("validate", dir.Path);

        Assert.Equal(1, code);
        Assert.Contains($"{bad}: INVALID (2 errors)", output, StringComparison.Ordinal);
        Assert.Contains($"  {bad}:2: $.id: must be a slug", output, StringComparison.Ordinal);
        Assert.Contains($"  {bad}:4: $.target: expected host:port, got \"127.0.0.1\" (no port)", output, StringComparison.Ordinal);
        Assert.EndsWith("2 files: 1 valid, 1 invalid; 1 check\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_InvalidCorpus_PrintsEveryExpectedErrorAndExitsOne()
    {
        var corpus = Path.Combine(AppContext.BaseDirectory, "testdata", "checks");
        var files = Directory.GetFiles(corpus, "invalid-*.json");

        var (code, output, _) = await RunAsync(["validate", .. files]);

        Assert.Equal(1, code);
        foreach (var file in files)
        {
            Assert.Contains($"{file}: INVALID", output, StringComparison.Ordinal);
            foreach (var line in File.ReadAllLines(Path.ChangeExtension(file, ".expected")))
            {
                Assert.Contains($"  {corpus}/{line}\n", output, StringComparison.Ordinal);
            }
        }

        Assert.EndsWith($"{files.Length} files: 0 valid, {files.Length} invalid; 0 checks\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingPath_ExitsOne()
    {
        var (code, output, _) = await RunAsync("validate", "/nonexistent/checks");

        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/checks: $: no such file or directory", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("frobnicate")]
    [InlineData("probe", "tcp")]
    [InlineData("probe", "tcp", "127.0.0.1:1", "--bogus")]
    [InlineData("run", "--role", "boss")]
    public async Task Usage_Errors_ExitTwoWithAMessageAndNoStackTrace(params string[] args)
    {
        var (code, output, errors) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith("sentinel: ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeTcp_NothingListening_PrintsTcpRefusedWithHintAndExitsOne()
    {
        var port = TcpPorts.Closed();

        var (code, output, _) = await RunAsync("probe", "tcp", $"127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Contains($"FAILURE tcp_refused (tcp): 127.0.0.1:{port} refused the connection: nothing is listening on port {port}", output, StringComparison.Ordinal);
        Assert.Contains($"  hint: nothing listens on 127.0.0.1:{port}; is the service running, and bound to this address and port?", output, StringComparison.Ordinal);
        Assert.Matches(@"  connect     \d+\.\d{3} ms", output);
    }

    [Fact]
    public async Task ProbeTcp_Listening_ExitsZeroAndJsonSaysUp()
    {
        using var listener = new CountingListener();

        var (code, output, _) = await RunAsync("probe", "tcp", listener.EndPoint.ToString(), "--json");

        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("up", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("phasesMs").GetProperty("connect").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("failure").ValueKind);
    }

    [Theory]
    [InlineData(new[] { "probe", "tcp", "127.0.0.1" }, "sentinel: target: expected host:port, got \"127.0.0.1\" (no port)")]
    [InlineData(new[] { "probe", "tcp", "127.0.0.1:1", "--timeout", "0s" }, "sentinel: --timeout: must be from 100ms to 10m, got \"0s\"")]
    [InlineData(new[] { "probe", "tcp", "127.0.0.1:1", "--timeout", "soon" }, "sentinel: --timeout: expected a duration such as \"30s\", \"5m\" or \"1h30m\", got string \"soon\"")]
    [InlineData(new[] { "probe", "tcp", "127.0.0.1:1", "--resolver", "dns.example" }, "sentinel: --resolver: expected an IP address with an optional port, such as 127.0.0.1:5353 or [::1]:53, got \"dns.example\"")]
    public async Task ProbeTcp_BadFlags_ExitTwoNamingTheFlag(string[] args, string expected)
    {
        var (code, _, errors) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal(expected + "\n", errors);
    }

    [Fact]
    public async Task ProbeFile_RunsTheChosenCheck()
    {
        using var dir = new TempDirectory();
        using var listener = new CountingListener();
        var file = dir.Write("two.json", $$"""
            [ { "id": "up", "type": "tcp", "target": "{{listener.EndPoint}}" },
              { "id": "down", "type": "tcp", "target": "127.0.0.1:{{TcpPorts.Closed()}}" } ]
            """);

        var up = await RunAsync("probe", file, "--check", "up");
        var both = await RunAsync("probe", file);
        var missing = await RunAsync("probe", file, "--check", "nope");

        Assert.Equal(0, up.Code);
        Assert.Contains("up: tcp ", up.Output, StringComparison.Ordinal);
        Assert.Equal(1, both.Code);
        Assert.Equal(2, missing.Code);
        Assert.Equal($"sentinel: {file} has no check with id \"nope\"\n", missing.Errors);
    }

    [Fact]
    public async Task ProbeFile_Invalid_ExitsTwoWithTheErrors()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("bad.json", """{ "id": "x", "type": "tcp" }""");

        var (code, _, errors) = await RunAsync("probe", file);

        Assert.Equal(2, code);
        Assert.Equal($"{file}:1: $.target: required field is missing\n", errors);
    }

    [Fact]
    public async Task Run_UnknownSetting_ExitsTwoNamingIt()
    {
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", """{ "Sentinel": { "Scheduler": { "MaxConcurrency": 5 } } }""");

        var (code, _, errors) = await RunAsync("run", "--config", config);

        Assert.Equal(2, code);
        Assert.StartsWith("sentinel: unknown setting Sentinel:Scheduler; known: Sentinel:Database,", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"Sentinel\": ")]
    [InlineData("[1, 2]")]
    public async Task Run_MalformedConfigFile_ExitsTwo(string content)
    {
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", content);

        var (code, _, errors) = await RunAsync("run", "--config", config);

        Assert.Equal(2, code);
        Assert.StartsWith($"sentinel: ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingConfigFile_ExitsTwo()
    {
        var (code, _, errors) = await RunAsync("run", "--config", "/nonexistent/sentinel.json");

        Assert.Equal(2, code);
        Assert.Equal("sentinel: the configuration file /nonexistent/sentinel.json does not exist\n", errors);
    }

    [Fact]
    public async Task Run_BadConnectionString_ExitsTwo()
    {
        var (code, _, errors) = await RunAsync("run", "--database", "Host=;Port=notanumber");

        Assert.Equal(2, code);
        Assert.StartsWith("sentinel: the database connection string", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoPostgresInstall_ExitsOneWithOneLine()
    {
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", $$"""{ "Sentinel": { "EmbeddedPostgres": { "BinDirectory": "{{dir.Path}}", "DataDirectory": "{{dir.Path}}/pg" } } }""");

        // A free port: the listen address is checked before the host starts its database.
        var (code, _, errors) = await RunAsync("run", "--config", config, "--listen", $"http://127.0.0.1:{TcpPorts.Free()}");

        Assert.Equal(1, code);
        Assert.Equal($"sentinel: {Worker.Storage.PostgresInstall.NotFoundMessage}\n", errors);
    }

    [Fact]
    public async Task Migrate_NoPostgresInstall_ExitsOneWithTheSameLineAsRun()
    {
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", $$"""{ "Sentinel": { "EmbeddedPostgres": { "BinDirectory": "{{dir.Path}}", "DataDirectory": "{{dir.Path}}/pg" } } }""");

        var (code, _, errors) = await RunAsync("migrate", "--config", config);

        Assert.Equal(1, code);
        Assert.Equal($"sentinel: {Worker.Storage.PostgresInstall.NotFoundMessage}\n", errors);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("migrate")]
    [InlineData("dns", "accept", "some-check")]
    [InlineData("audit", "accept", "some-check")]
    public async Task DatabaseCommands_BadConnectionString_ExitTwoWithOneLine(params string[] command)
    {
        var (code, output, errors) = await RunAsync([.. command, "--database", "Host=;Port=notanumber"]);

        Assert.Equal(2, code);
        Assert.Equal("sentinel: the database connection string is invalid: Couldn't set port (Parameter 'port')\n", errors);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Run_InvalidListenUrl_ExitsTwoNamingTheSetting()
    {
        var database = await postgres.CreateDatabaseAsync();

        var (code, _, errors) = await RunAsync("run", "--database", database, "--listen", "127.0.0.1:8080", "--log-format", "json");

        Assert.Equal(2, code);
        Assert.Equal("sentinel: invalid configuration: Sentinel:Http:Listen must be a URL such as http://127.0.0.1:8080\n", errors);
    }

    [Theory]
    [InlineData("\"Retention\": \"-1.00:00:00\"", "invalid configuration: Sentinel:Storage:Retention must be from 1.00:00:00 to 3650.00:00:00, not -1.00:00:00")]
    [InlineData("\"Retention\": \"90.00:00:00\", \"HourRollupRetention\": \"60.00:00:00\"",
        "invalid configuration: Sentinel:Storage:HourRollupRetention (60.00:00:00) must be at least Sentinel:Storage:Retention (90.00:00:00): hour rollups are what remains once raw results are dropped")]
    [InlineData("\"Retention\": \"thirty days\"",
        "invalid configuration: Failed to convert configuration value 'thirty days' at 'Sentinel:Storage:Retention' to type 'System.TimeSpan'.")]
    public async Task Run_InvalidRetention_ExitsTwoNamingTheSetting(string storage, string line)
    {
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", $$"""{ "Sentinel": { "Storage": { {{storage}} } } }""");
        var database = await postgres.CreateDatabaseAsync();

        var (code, _, errors) = await RunAsync("run", "--config", config, "--database", database);

        Assert.Equal(2, code);
        Assert.Equal($"sentinel: {line}\n", errors);
    }

    [Fact]
    public async Task Run_ListenAddressTaken_ExitsOneWithOneLine()
    {
        var database = await postgres.CreateDatabaseAsync();
        using var taken = new CountingListener();

        var (code, _, errors) = await RunAsync("run", "--database", database, "--listen", $"http://{taken.EndPoint}");

        Assert.Equal(1, code);
        Assert.StartsWith($"sentinel: cannot listen on http://{taken.EndPoint}: Address already in use (is another Sentinel running?", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_FreshDatabase_AppliesTheSchema()
    {
        var database = await postgres.CreateDatabaseAsync();

        var first = await RunAsync("migrate", "--database", database);
        var second = await RunAsync("migrate", "--database", database);

        var latest = Worker.Storage.Migrations.Latest;
        var applied = string.Concat(Worker.Storage.Migrations.Names.Select(n => $"applied {n}\n"));
        Assert.StartsWith("applied 0001_initial.sql\n", applied, StringComparison.Ordinal);
        Assert.Equal((0, $"{applied}schema is up to date ({latest})\n"), (first.Code, first.Output));
        Assert.Equal((0, $"schema is up to date ({latest})\n"), (second.Code, second.Output));
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var errors = new StringWriter { NewLine = "\n" };
        var code = await SentinelCli.InvokeAsync(args, output, errors, TestContext.Current.CancellationToken);
        return (code, output.ToString(), errors.ToString());
    }

    private static string RepositoryRoot => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
}
