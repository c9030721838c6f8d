using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>How the TLS tests write and run a tls check.</summary>
internal static class TlsChecks
{
    /// <summary>A <c>tls</c> section trusting <paramref name="caFile"/>, with the server name and extra members given.</summary>
    public static string Section(string caFile, string? serverName, string extra = "")
    {
        var members = new List<string> { $"\"caFile\": \"{caFile}\"" };
        if (serverName is not null)
        {
            members.Add($"\"serverName\": \"{serverName}\"");
        }

        if (extra.Length > 0)
        {
            members.Add(extra);
        }

        return "{ " + string.Join(", ", members) + " }";
    }

    /// <summary>Parses a tls check for <paramref name="target"/> with <paramref name="section"/> and runs it.</summary>
    public static async Task<ProbeResult> RunAsync(ProbeRunner runner, string target, string section, string timeout = "5s", CancellationToken cancellationToken = default)
    {
        var json = $$"""{ "id": "t", "type": "tls", "target": "{{target}}", "timeout": "{{timeout}}", "interval": "1m", "tls": {{section}} }""";
        var document = CheckParser.Parse(json, "test", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return await runner.RunAsync(document.Checks[0].Definition, cancellationToken == default ? TestContext.Current.CancellationToken : cancellationToken);
    }
}
