using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Tests.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary><c>reuseConnection</c>: a handler is kept while the check's connection settings are the same, compared by value.</summary>
public sealed class HttpConnectionReuseTests
{
    [Fact]
    public async Task RunAsync_HeadersCheckWithReuseConnection_SecondRunReusesTheConnection()
    {
        await using var server = await HeaderServer.StartAsync();
        var check = Parse($$"""{ "id": "reuse-headers", "type": "headers", "target": "{{server.Url()}}", "interval": "1m", "timeout": "5s", "headers": { "reuseConnection": true } }""");

        var first = await HttpChecks.RunAsync(check);
        var second = await HttpChecks.RunAsync(check);

        Assert.NotNull(first.Phase("connect"));
        Assert.Null(second.Phase("connect"));
    }

    [Fact]
    public async Task RunAsync_ReloadedIdenticalCheck_ReusesAndChangedCheckReconnects()
    {
        await using var server = await HeaderServer.StartAsync();
        string Json(string timeout) => $$"""{ "id": "reuse-reload", "type": "http", "target": "{{server.Url()}}", "interval": "1m", "timeout": "{{timeout}}", "http": { "reuseConnection": true } }""";

        var first = await HttpChecks.RunAsync(Parse(Json("5s")));
        var reloaded = await HttpChecks.RunAsync(Parse(Json("5s")));
        var changed = await HttpChecks.RunAsync(Parse(Json("4s")));

        Assert.NotNull(first.Phase("connect"));
        Assert.Null(reloaded.Phase("connect"));
        Assert.NotNull(changed.Phase("connect"));
    }

    private static CheckDefinition Parse(string json)
    {
        var document = CheckParser.Parse(json, "reuse.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return document.Checks[0].Definition;
    }
}
