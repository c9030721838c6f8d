using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Resolving;
using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary>
/// What <c>sentinel probe</c> warms before it times a target, seen structurally (which resolvers were asked, what,
/// and whether the target had been connected to yet) rather than by timing, which a busy machine would make flaky.
/// </summary>
public sealed class ProbeWarmUpTests
{
    [Fact]
    public async Task ProbeTcp_TargetByName_WarmsTheSystemResolverRightBeforeTheRun()
    {
        Assert.SkipUnless(HostsFileAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost, so the warm-up does not look it up");
        using var listener = new CountingListener();
        var lookups = new ConcurrentQueue<ResolverLookup>();
        var resolver = new CountingResolver(new SystemHostResolver(), lookups, () => listener.Accepted);

        var (code, output) = await ProbeAsync(Check("tcp", $"localhost:{listener.EndPoint.Port}"), new ProbeContext { SystemResolver = resolver });

        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("up", json.GetProperty("status").GetString());
        Assert.Equal(1, listener.Accepted);

        // The tcp type's warm-up looks localhost up for IPv4 (its own listener's family); the resolution warm-up asks
        // as the check does (any family), through the same resolver of the context, each time answered, all before the
        // run connected; the run's own lookup is the last. Nothing but localhost was asked.
        var seen = resolver.Lookups;
        Assert.All(seen, l => Assert.Equal(("system", "localhost"), (l.Resolver, l.Host)));
        var asTheCheck = seen.SkipWhile(l => l.Version == IpVersion.V4).ToList();
        Assert.Equal(ResolutionWarmUp.Rounds + 1, asTheCheck.Count);
        Assert.All(asTheCheck, l => Assert.Equal((IpVersion.Any, 0, true), (l.Version, l.Mark, l.Outcome.Failure is null)));
    }

    [Fact]
    public async Task ProbeTcp_OwnResolver_WarmsItsResolverAgainstALoopbackResponderAndAsksTheCheckServerOnlyForTheRun()
    {
        using var dns = DnsZoneServer.Start();
        dns.AddAddress("db.sentinel.test.", "127.0.0.1");
        using var listener = new CountingListener();
        var definition = Check("tcp", $"db.sentinel.test:{listener.EndPoint.Port}");
        definition["resolver"] = dns.Address;
        var lookups = new ConcurrentQueue<ResolverLookup>();

        var (code, output) = await ProbeAsync(definition, new ProbeContext { ServerResolver = CountingResolver.ForServers(lookups, () => listener.Accepted) });

        Assert.Equal(0, code);
        Assert.Equal("up", JsonDocument.Parse(output).RootElement.GetProperty("status").GetString());

        // The warm-up went through the same resolver code, a server of its own on loopback that answered it, before
        // the run connected; the check's server saw the run's two queries and nothing else.
        var seen = lookups.ToList();
        Assert.Equal(ResolutionWarmUp.Rounds + 1, seen.Count);
        var run = seen[^1];
        Assert.Equal((dns.Address, "db.sentinel.test", 0), (run.Resolver, run.Host, run.Mark));
        Assert.All(seen[..^1], warm =>
        {
            var server = IPEndPoint.Parse(warm.Resolver);
            Assert.True(IPAddress.IsLoopback(server.Address), $"the warm-up asked {warm.Resolver}");
            Assert.NotEqual(dns.EndPoint, server);
            Assert.Equal(0, warm.Mark);
            Assert.Contains(IPAddress.Loopback, warm.Outcome.Addresses);
        });
        Assert.Equal(["db.sentinel.test. A", "db.sentinel.test. Aaaa"], dns.Received.Select(q => $"{q.Name} {q.Type}").Order());
    }

    [Fact]
    public async Task ProbeTcp_AddressLiteral_LooksNothingUp()
    {
        using var listener = new CountingListener();
        var resolver = new CountingResolver();

        var (code, _) = await ProbeAsync(Check("tcp", $"127.0.0.1:{listener.EndPoint.Port}"), new ProbeContext { SystemResolver = resolver });

        // Only the tcp type's own warm-up, for IPv4, where localhost resolves locally; nothing as the check would ask.
        Assert.Equal(0, code);
        Assert.DoesNotContain(resolver.Lookups, l => l.Version != IpVersion.V4);
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
