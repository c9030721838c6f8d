using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Headers;

/// <summary>Builds headers checks (and http checks with an audit) through the real parser and runs them through the real runner.</summary>
internal static class HeadersChecks
{
    /// <summary>A context with a seeded randomness source (the made-up origin is then known) and its own state store.</summary>
    public static ProbeContext Context(ICheckStateStore? state = null, int seed = 6) =>
        new() { Random = new Random(seed), State = state ?? new InMemoryCheckStateStore(), Node = "test-node" };

    /// <summary>The made-up origin the audit sends with the randomness of <see cref="Context"/> and <paramref name="seed"/>.</summary>
    public static string HostileOrigin(int seed = 6)
    {
        var random = new Random(seed);
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return "https://" + new string(Enumerable.Range(0, 12).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray()) + ".invalid";
    }

    public static CheckDefinition Parse(string target, JsonObject? section = null, string type = "headers", string timeout = "5s", string? ipVersion = null, string id = "headers-test", string? resolver = null)
    {
        var check = new JsonObject { ["id"] = id, ["type"] = type, ["target"] = target, ["interval"] = "1m", ["timeout"] = timeout };
        if (resolver is not null)
        {
            check["resolver"] = resolver;
        }

        if (section is not null)
        {
            check[type] = section;
        }

        if (ipVersion is not null)
        {
            check["ipVersion"] = ipVersion;
        }

        var document = CheckParser.Parse(check.ToJsonString(), "test.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return document.Checks[0].Definition;
    }

    public static Task<ProbeResult> RunAsync(CheckDefinition check, ProbeContext? context = null) =>
        new ProbeRunner(ProbeCatalog.Default, context ?? Context()).RunAsync(check, TestContext.Current.CancellationToken);

    public static Task<ProbeResult> RunAsync(string target, JsonObject? section = null, ProbeContext? context = null) =>
        RunAsync(Parse(target, section), context);

    /// <summary>The ids of the result's findings starting with <paramref name="prefix"/>, sorted, each once.</summary>
    public static IReadOnlyList<string> Ids(ProbeResult result, string prefix = "") =>
        result.Findings.Select(f => f.Id).Where(i => i.StartsWith(prefix, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();

    public static Finding Finding(ProbeResult result, string id) =>
        result.Findings.FirstOrDefault(f => f.Id == id) ?? throw new Xunit.Sdk.XunitException($"no finding {id}; got: {string.Join(", ", result.Findings.Select(f => f.Id))}; problems: {string.Join("; ", result.Problems.Select(p => p.Message))}");

    public static string Report(CheckDefinition check, ProbeResult result)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        ProbeReport.Write(writer, check, result);
        return writer.ToString();
    }
}
