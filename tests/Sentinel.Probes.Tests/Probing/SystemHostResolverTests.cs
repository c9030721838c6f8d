using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Probing;

/// <summary>
/// The system resolver's two paths: a name the hosts file answers before any query is looked up inline, any other
/// name through getaddrinfo_a, awaited under the check's deadline. Only localhost is looked up, and only where this
/// node's files answer it, so that no query leaves the machine.
/// </summary>
public sealed class SystemHostResolverTests
{
    [Fact]
    public async Task ResolveAsync_NameTheHostsFileAnswers_CompletesInline()
    {
        Assert.SkipUnless(HostsFileAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost");
        var resolver = new SystemHostResolver();

        var lookup = resolver.ResolveAsync(HostsFileAnswer.Localhost, IpVersion.V4, TestContext.Current.CancellationToken);

        Assert.True(lookup.IsCompleted, "a name the hosts file answers is looked up before ResolveAsync returns");
        Assert.Contains(IPAddress.Loopback, (await lookup).Addresses);
    }

    [Fact]
    public async Task ResolveAsync_NameTheFilesDoNotAnswer_IsStillLookedUpThroughGetaddrinfoA()
    {
        Assert.SkipUnless(HostsFileAnswer.IsLocal(), "this node's resolver would ask a DNS server for localhost");
        using var directory = new TempDirectory();

        // Files that put dns first: the resolver may not take its inline path, though glibc (reading this node's own
        // files) answers localhost without a query. (Whether the awaited lookup is done by the time ResolveAsync
        // returns is a race: a warm getaddrinfo_a answers from /etc/hosts in some 0.02 ms.)
        var dnsFirst = new HostsFileAnswer(directory.Write("nsswitch.conf", "hosts: dns files\n"), directory.Write("hosts", "127.0.0.1 localhost\n"));
        var resolver = new SystemHostResolver(dnsFirst);

        var lookup = await resolver.ResolveAsync(HostsFileAnswer.Localhost, IpVersion.V4, TestContext.Current.CancellationToken);

        Assert.Null(lookup.Failure);
        Assert.Contains(IPAddress.Loopback, lookup.Addresses);
    }

    [Theory]
    [InlineData("hosts: files dns\n")]
    [InlineData("hosts: dns files\n")]
    public async Task ResolveAsync_DeadlineAlreadyPassed_ThrowsWithoutLookingUp(string nsswitch)
    {
        using var directory = new TempDirectory();
        var files = new HostsFileAnswer(directory.Write("nsswitch.conf", nsswitch), directory.Write("hosts", "127.0.0.1 localhost\n"));
        var resolver = new SystemHostResolver(files);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await resolver.ResolveAsync(HostsFileAnswer.Localhost, IpVersion.V4, new CancellationToken(canceled: true)));
    }
}
