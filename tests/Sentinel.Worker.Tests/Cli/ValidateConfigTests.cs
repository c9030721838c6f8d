using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary><c>sentinel validate --config</c> knows the alert channels; a bad alerting configuration stops <c>run</c> with every problem.</summary>
[Collection(DaemonHostTests.Name)]
public sealed class ValidateConfigTests
{
    private const string Config = """
        { "Sentinel": { "Alerting": {
            "Smtp": { "Host": "127.0.0.1", "Security": "None", "From": "sentinel@example.test", "Password": "p4ssw0rd-not-shown", "Username": "s" },
            "Channels": {
              "sre-oncall": { "Type": "email", "To": ["oncall@example.test"] },
              "hook": { "Type": "webhook", "Url": "http://127.0.0.1:9/hook", "Secret": "0123456789abcdef0123" } } } } }
        """;

    [Fact]
    public async Task Validate_WithConfig_AcceptsConfiguredChannelsAndNamesKnownOnesForOthers()
    {
        using var dir = new TempDirectory();
        var config = dir.Write("sentinel.json", Config);
        var good = dir.Write("checks/good.json", """{ "id": "good", "type": "tcp", "target": "127.0.0.1:1", "alert": { "notify": ["sre-oncall", "hook"] } }""");
        var bad = dir.Write("checks/bad.json", "{ \"id\": \"bad\", \"type\": \"tcp\", \"target\": \"127.0.0.1:1\",\n  \"alert\": { \"notify\": [\"pager\"] } }");

        var (code, output, _) = await RunAsync("validate", "--config", config, Path.Combine(dir.Path, "checks"));

        Assert.Equal(1, code);
        Assert.Contains($"{good}: OK (1 check)", output, StringComparison.Ordinal);
        Assert.Contains($"  {bad}:2: $.alert.notify[0]: unknown channel \"pager\"; known channels: hook, sre-oncall", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_WithoutConfig_NoChannelIsKnown()
    {
        using var dir = new TempDirectory();
        var check = dir.Write("a.json", """{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": { "notify": ["sre-oncall"] } }""");

        var (code, output, _) = await RunAsync("validate", check);

        Assert.Equal(1, code);
        Assert.Contains("unknown channel \"sre-oncall\"; no channels are configured (Sentinel:Alerting:Channels)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("run")]
    public async Task Command_MalformedAlertingConfiguration_ExitsTwoNamingEveryProblemAndNoSecret(string command)
    {
        using var dir = new TempDirectory();
        var config = dir.Write("bad.json", Config.Replace("\"None\"", "\"ssl\"", StringComparison.Ordinal).Replace("\"webhook\"", "\"sms\"", StringComparison.Ordinal));
        var check = dir.Write("a.json", """{ "id": "a", "type": "tcp", "target": "127.0.0.1:1" }""");
        string[] args = command == "run"
            ? ["run", "--config", config, "--checks", dir.Path, "--database", "Host=127.0.0.1;Port=1;Username=x;Database=x", "--listen", $"http://127.0.0.1:{TcpPorts.Free()}"]
            : ["validate", "--config", config, check];

        var (code, output, errors) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal(
            "sentinel: invalid configuration: Sentinel:Alerting:Channels:hook:Type must be email or webhook, got \"sms\"; " +
            "Sentinel:Alerting:Smtp:Security must be None, StartTls or Tls, got \"ssl\"\n",
            errors);
        Assert.DoesNotContain("p4ssw0rd", errors + output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var errors = new StringWriter { NewLine = "\n" };
        var code = await SentinelCli.InvokeAsync(args, output, errors, TestContext.Current.CancellationToken);
        return (code, output.ToString(), errors.ToString());
    }
}
