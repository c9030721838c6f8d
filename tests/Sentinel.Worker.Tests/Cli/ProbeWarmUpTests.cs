using System.Text.Json;
using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Resolving;
using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary>
/// What <c>sentinel probe</c> warms before it times a target, seen structurally (which resolvers were asked, and
/// what) rather than by timing, which a busy machine would make flaky.
/// </summary>
public sealed class ProbeWarmUpTests
{
    [Fact]
    public async Task ProbeTcp_TargetByName_WarmsTheLookupThroughTheChecksResolverBeforeTheRun()
    {
        Assert.SkipUnless(LocalhostAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost, so the warm-up does not look it up");
        using var listener = new CountingListener();
        var resolver = new CountingResolver();

        var (code, output) = await ProbeAsync(Check("tcp", $"localhost:{listener.EndPoint.Port}"), new ProbeContext { SystemResolver = resolver });

        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("up", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("phasesMs").GetProperty("resolve").ValueKind);

        // The run looks localhost up once; the warm-up, through the same resolver of the context, several times before
        // it, and no other name (nothing but /etc/hosts may answer it).
        Assert.All(resolver.Hosts, host => Assert.Equal("localhost", host));
        Assert.True(resolver.Hosts.Count >= ResolutionWarmUp.Rounds + 1, $"{resolver.Hosts.Count} lookups");
    }

    [Fact]
    public async Task ProbeTcp_OwnResolver_WarmUpAsksAResponderOfItsOwnAndTheCheckServerOnlyForTheRun()
    {
        using var dns = DnsZoneServer.Start();
        dns.AddAddress("db.sentinel.test.", "127.0.0.1");
        using var listener = new CountingListener();
        var definition = Check("tcp", $"db.sentinel.test:{listener.EndPoint.Port}");
        definition["resolver"] = dns.Address;

        var (code, output) = await ProbeAsync(definition, new ProbeContext());

        Assert.Equal(0, code);
        Assert.Equal("up", JsonDocument.Parse(output).RootElement.GetProperty("status").GetString());
        Assert.Equal(["db.sentinel.test. A", "db.sentinel.test. Aaaa"], dns.Received.Select(q => $"{q.Name} {q.Type}").Order());
    }

    private static JsonObject Check(string type, string target) =>
        new() { ["id"] = $"cli-{type}", ["type"] = type, ["target"] = target, ["interval"] = "24h" };

    private static async Task<(int Code, string Output)> ProbeAsync(JsonObject definition, ProbeContext context)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var errors = new StringWriter { NewLine = "\n" };
        var code = await ProbeCommand.RunAdHocAsync(definition, new Dictionary<string, string>(), json: true, output, errors, TestContext.Current.CancellationToken, context);
        return (code, output + errors.ToString());
    }
}
