using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Resolving;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Resolving;

/// <summary>
/// The warm-up of the resolve phase: which checks it applies to, when the system resolver may be asked for
/// localhost at all, and that the probe types' own warm-ups take the path of a name.
/// </summary>
public sealed class ResolutionWarmUpTests
{
    private static CheckDefinition Check(string type, string target, string? resolver = null) =>
        new() { Id = "c", Name = "c", Type = type, Target = target, Resolver = resolver };

    [Theory]
    [InlineData("tcp", "localhost:80", null, "system")]
    [InlineData("tcp", "db.example.com:5432", "127.0.0.1:53", "server")]
    [InlineData("tcp", "127.0.0.1:80", null, null)]
    [InlineData("tls", "[::1]:443", null, null)]
    [InlineData("icmp", "2001:db8::1", null, null)]
    [InlineData("path", "example.com", null, "system")]
    [InlineData("http", "https://127.0.0.1/", null, "system")]
    [InlineData("dns", "example.com", null, null)]
    public void ResolverKind_ByTypeTargetAndResolver_IsWhatTheRunLooksUpWith(string type, string target, string? resolver, string? expected)
    {
        Assert.Equal(expected, ResolutionWarmUp.ResolverKind(Check(type, target, resolver), ProbeCatalog.Default.Find(type)!));
    }

    [Fact]
    public async Task EnsureWarmAsync_ChecksOfOneResolverKind_WarmItOnceBeforeTheFirstRun()
    {
        Assert.SkipUnless(HostsFileAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost, so the warm-up does not look it up");
        var resolver = new CountingResolver();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { SystemResolver = resolver });
        var ct = TestContext.Current.CancellationToken;

        // Two checks by name through the system resolver, and one by address, which looks nothing up.
        await runner.EnsureWarmAsync(Check("tcp", "db.sentinel.test:5432"), ct);
        await runner.EnsureWarmAsync(Check("tcp", "cache.sentinel.test:6379"), ct);
        await runner.EnsureWarmAsync(Check("tcp", "127.0.0.1:6379"), ct);

        // The tcp type's warm-up asks for IPv4 only; the resolver's, as the checks ask (any family), once for the kind.
        var asTheChecks = resolver.Lookups.Where(l => l.Version == IpVersion.Any).ToList();
        Assert.Equal(ResolutionWarmUp.Rounds, asTheChecks.Count);
        Assert.All(asTheChecks, l => Assert.Equal((HostsFileAnswer.Localhost, true), (l.Host, l.Outcome.Failure is null)));
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("tls")]
    [InlineData("http")]
    public async Task WarmUpAsync_NameDoesNotResolve_FinishesWithoutWaitingForAConnection(string type)
    {
        Assert.SkipUnless(HostsFileAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost, so the warm-ups target 127.0.0.1");

        // The context's resolver is a real one that cannot answer localhost (the zone has no such name): every
        // warm-up run by name fails before it connects, and the loopback servers must not wait for it.
        using var dns = DnsZoneServer.Start();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { SystemResolver = new DnsServerHostResolver(dns.Address) });

        await runner.WarmUpAsync(type, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Contains(dns.Received, q => q.Name == "localhost.");
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("http")]
    [InlineData("headers")]
    [InlineData("tls")]
    public async Task WarmUpAsync_TypeThatResolves_LooksANameUpThroughTheContextsResolver(string type)
    {
        Assert.SkipUnless(HostsFileAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost, so the warm-ups target 127.0.0.1");
        var resolver = new CountingResolver();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { SystemResolver = resolver });

        await runner.WarmUpAsync(type, TestContext.Current.CancellationToken);

        // Each probe's own wait for a lookup (not only the resolver) is then warm: the path a target given by name takes.
        Assert.NotEmpty(resolver.Hosts);
        Assert.All(resolver.Hosts, host => Assert.Equal(HostsFileAnswer.Localhost, host));
    }
}
