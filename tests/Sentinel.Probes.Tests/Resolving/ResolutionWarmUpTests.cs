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

    [Theory]
    [InlineData("hosts: files dns", "127.0.0.1 localhost", true)]
    [InlineData("hosts:\tfiles [NOTFOUND=return] dns", "127.0.0.1\tlocalhost.localdomain localhost  # loopback", true)]
    [InlineData("  hosts : files dns", "127.0.0.1 LOCALHOST", true)]
    [InlineData("hosts files dns", "127.0.0.1 localhost", true)]
    [InlineData("hosts:files [ notfound = return  tryagain=Continue ] dns", "127.0.0.1 localhost", true)]
    [InlineData("hosts: files [!SUCCESS=continue] dns", "127.0.0.1 localhost", true)]
    [InlineData("hosts: mymachines resolve [!UNAVAIL=return] files myhostname dns", "127.0.0.1 localhost", true)]
    [InlineData("hosts: dns files\nhosts: files dns", "127.0.0.1 localhost", true)]
    [InlineData("hosts: files dns\n#hosts: dns files", "127.0.0.1 localhost", true)]
    [InlineData("hosts: files dns # comment", "127.0.0.1 localhost", true)]
    [InlineData("hosts: files dns\nhosts: dns files", "127.0.0.1 localhost", false)]
    [InlineData("Hosts: files dns", "127.0.0.1 localhost", false)]
    [InlineData("# hosts: files dns", "127.0.0.1 localhost", false)]
    [InlineData("passwd: files", "127.0.0.1 localhost", false)]
    [InlineData("", "127.0.0.1 localhost", false)]
    [InlineData("hosts:", "127.0.0.1 localhost", false)]
    [InlineData("hosts", "127.0.0.1 localhost", false)]
    [InlineData("hosts: dns files", "127.0.0.1 localhost", false)]
    [InlineData("hosts: [NOTFOUND=return] files", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [SUCCESS=continue] dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [!NOTFOUND=continue] dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [SUCCESS=merge] dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [NOTFOUND=return dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [BOGUS=return] dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [NOTFOUND=stop] dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [NOTFOUND] dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files [", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files#dns", "127.0.0.1 localhost", false)]
    [InlineData("hosts: files dns", "::1 localhost ip6-localhost", false)]
    [InlineData("hosts: files dns", "# 127.0.0.1 localhost", false)]
    [InlineData("hosts: files dns", "127.0.0.1 # localhost", false)]
    [InlineData("hosts: files dns", "127.0.0.1localhost", false)]
    [InlineData("hosts: files dns", "127.1 localhost", false)]
    [InlineData("hosts: files dns", "127.000.000.001 localhost", false)]
    [InlineData("hosts: files dns", "2130706433 localhost", false)]
    [InlineData("hosts: files dns", "999.0.0.1 localhost", false)]
    [InlineData("hosts: files dns", "127.0.0.1 localhost.", false)]
    [InlineData("hosts: files dns", "127.0.0.1", false)]
    [InlineData("hosts: files dns", "\u0000\uFFFD\u001B[2J 127.0.0.1 localhost", false)]
    [InlineData("hosts: files mdns4_minimal [NOTFOUND=return] dns", "", false)]
    [InlineData("hosts: mymachines resolve [!UNAVAIL=return] files myhostname dns", "", false)]
    [InlineData("hosts: files myhostname dns", "", false)]
    [InlineData("hosts: myhostname", "", false)]
    public void LocalhostAnswer_NsswitchAndHosts_SaysWhetherNoQueryCanLeave(string nsswitch, string hosts, bool expected) =>
        Assert.Equal(expected, LocalhostAnswer.IsLocal(nsswitch.Split('\n'), () => hosts.Split('\n')));

    [Fact]
    public void LocalhostAnswer_FilesMissingOrUnreadable_SaysNo()
    {
        using var directory = new TempDirectory();
        var nsswitch = directory.Write("nsswitch.conf", "hosts: files dns\n");
        var hosts = directory.Write("hosts", "127.0.0.1 localhost\n");

        Assert.True(LocalhostAnswer.IsLocal(nsswitch, hosts));

        // No nsswitch.conf is glibc's default line, dns first; no hosts file lists nothing; a directory cannot be read.
        Assert.False(LocalhostAnswer.IsLocal(Path.Combine(directory.Path, "missing.conf"), hosts));
        Assert.False(LocalhostAnswer.IsLocal(nsswitch, Path.Combine(directory.Path, "missing")));
        Assert.False(LocalhostAnswer.IsLocal(nsswitch, directory.Path));
        Assert.False(LocalhostAnswer.IsLocal(directory.Path, hosts));
    }

    [Fact]
    public async Task EnsureWarmAsync_ChecksOfOneResolverKind_WarmItOnceBeforeTheFirstRun()
    {
        Assert.SkipUnless(LocalhostAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost, so the warm-up does not look it up");
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
        Assert.All(asTheChecks, l => Assert.Equal((LocalhostAnswer.Name, true), (l.Host, l.Outcome.Failure is null)));
    }

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
