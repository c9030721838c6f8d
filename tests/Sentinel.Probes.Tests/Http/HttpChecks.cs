using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Http;

/// <summary>Builds http checks through the real parser and runs them through the real runner.</summary>
internal static class HttpChecks
{
    private static readonly ProbeRunner Runner = new(ProbeCatalog.Default, new ProbeContext());

    public static CheckDefinition Parse(string target, JsonObject? http = null, string timeout = "5s", JsonArray? assert = null, string? resolver = null, string? ipVersion = null)
    {
        var check = new JsonObject { ["id"] = "http-test", ["type"] = "http", ["target"] = target, ["interval"] = "1m", ["timeout"] = timeout };
        if (http is not null)
        {
            check["http"] = http;
        }

        if (assert is not null)
        {
            check["assert"] = assert;
        }

        if (resolver is not null)
        {
            check["resolver"] = resolver;
        }

        if (ipVersion is not null)
        {
            check["ipVersion"] = ipVersion;
        }

        var document = CheckParser.Parse(check.ToJsonString(), "test.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return document.Checks[0].Definition;
    }

    public static Task<ProbeResult> RunAsync(string target, JsonObject? http = null, string timeout = "5s", JsonArray? assert = null, string? resolver = null, string? ipVersion = null) =>
        Runner.RunAsync(Parse(target, http, timeout, assert, resolver, ipVersion), CancellationToken.None);

    public static Task<ProbeResult> RunAsync(CheckDefinition check) => Runner.RunAsync(check, CancellationToken.None);

    public static string Report(CheckDefinition check, ProbeResult result)
    {
        using var writer = new StringWriter();
        ProbeReport.Write(writer, check, result);
        return writer.ToString();
    }
}
