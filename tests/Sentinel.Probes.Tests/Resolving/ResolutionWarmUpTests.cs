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
        var check = new CheckDefinition { Id = "c", Name = "c", Type = type, Target = target, Resolver = resolver };

        Assert.Equal(expected, ResolutionWarmUp.ResolverKind(check, ProbeCatalog.Default.Find(type)!));
    }

    [Theory]
    [InlineData("hosts: files dns", "127.0.0.1 localhost", true)]
    [InlineData("hosts:\tfiles [NOTFOUND=return] dns  # comment", "127.0.0.1\tlocalhost.localdomain localhost", true)]
    [InlineData("hosts: files dns", "::1 localhost ip6-localhost", false)]
    [InlineData("hosts: files dns", "# 127.0.0.1 localhost", false)]
    [InlineData("hosts: dns files", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files mdns4_minimal [NOTFOUND=return] dns", "", false)]
    [InlineData("hosts: mymachines resolve [!UNAVAIL=return] files myhostname dns", "", true)]
    [InlineData("hosts: files myhostname dns", "", true)]
    [InlineData("passwd: files", "127.0.0.1 localhost", false)]
    public void LocalhostAnswer_NsswitchAndHosts_SaysWhetherNoQueryCanLeave(string nsswitch, string hosts, bool expected) =>
        Assert.Equal(expected, LocalhostAnswer.IsLocal([nsswitch], () => [hosts]));

    [Theory]
    [InlineData("tcp")]
    [InlineData("http")]
    [InlineData("headers")]
    [InlineData("tls")]
    public async Task WarmUpAsync_TypeThatResolves_LooksANameUpThroughTheContextsResolver(string type)
    {
        Assert.SkipUnless(LocalhostAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost, so the warm-ups target 127.0.0.1");
        var resolver = new CountingResolver();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { SystemResolver = resolver });

        await runner.WarmUpAsync(type, TestContext.Current.CancellationToken);

        // Each probe's own wait for a lookup (not only the resolver) is then warm: the path a target given by name takes.
        Assert.NotEmpty(resolver.Hosts);
        Assert.All(resolver.Hosts, host => Assert.Equal(LocalhostAnswer.Name, host));
    }
}
