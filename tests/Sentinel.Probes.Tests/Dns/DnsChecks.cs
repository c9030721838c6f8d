using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>Builds dns checks through the real parser, so that tests run what a check file would.</summary>
internal static class DnsChecks
{
    /// <summary>A dns check for <paramref name="target"/> with <paramref name="dns"/> as its section (servers given by the test).</summary>
    public static CheckDefinition Parse(string target, object? dns = null, string timeout = "2s", string id = "t")
    {
        var check = new JsonObject
        {
            ["id"] = id,
            ["type"] = "dns",
            ["target"] = target,
            ["interval"] = "1m",
            ["timeout"] = timeout,
        };
        if (dns is not null)
        {
            check["dns"] = dns as JsonNode ?? JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(dns));
        }

        var document = CheckParser.Parse(check.ToJsonString(), "test", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document.Checks[0].Definition;
    }

    /// <summary>The errors a dns check with this section gets, one string each ("$.dns.x: message").</summary>
    public static IReadOnlyList<string> Errors(string target, string dnsJson)
    {
        var json = $$"""{ "id": "t", "type": "dns", "target": {{System.Text.Json.JsonSerializer.Serialize(target)}}, "dns": {{dnsJson}} }""";
        return CheckParser.Parse(json, "test", ProbeCatalog.Default.Checks).Errors.Select(e => $"{e.Path}: {e.Message}").ToList();
    }

    public static Task<ProbeResult> RunAsync(this ProbeRunner runner, string target, object? dns = null, string timeout = "2s") =>
        runner.RunAsync(Parse(target, dns, timeout), TestContext.Current.CancellationToken);
}
