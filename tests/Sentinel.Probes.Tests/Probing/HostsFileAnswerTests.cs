using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Probing;

/// <summary>
/// When the system resolver answers a name from /etc/hosts before any source that could send a query: localhost for
/// the warm-ups, any name for the resolver's inline lookup. Read as glibc reads nsswitch.conf and the hosts file,
/// hostile lines included; a doubt is a no.
/// </summary>
public sealed class HostsFileAnswerTests
{
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
    public void IsLocal_NsswitchAndHosts_SaysWhetherNoQueryCanLeave(string nsswitch, string hosts, bool expected) =>
        Assert.Equal(expected, HostsFileAnswer.Answers(nsswitch.Split('\n'), () => hosts.Split('\n'), HostsFileAnswer.Localhost, IpVersion.V4));

    [Fact]
    public void IsLocal_FilesMissingOrUnreadable_SaysNo()
    {
        using var directory = new TempDirectory();
        var nsswitch = directory.Write("nsswitch.conf", "hosts: files dns\n");
        var hosts = directory.Write("hosts", "127.0.0.1 localhost\n");

        Assert.True(HostsFileAnswer.IsLocal(nsswitch, hosts));

        // No nsswitch.conf is glibc's default line, dns first; no hosts file lists nothing; a directory cannot be read.
        Assert.False(HostsFileAnswer.IsLocal(Path.Combine(directory.Path, "missing.conf"), hosts));
        Assert.False(HostsFileAnswer.IsLocal(nsswitch, Path.Combine(directory.Path, "missing")));
        Assert.False(HostsFileAnswer.IsLocal(nsswitch, directory.Path));
        Assert.False(HostsFileAnswer.IsLocal(directory.Path, hosts));
    }


    [Theory]
    [InlineData("hosts: files dns", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, true)]
    [InlineData("hosts: files dns", "10.1.2.3 db.internal", "db.internal", IpVersion.V4, true)]
    [InlineData("hosts: files dns", "10.1.2.3 db.internal", "db.internal", IpVersion.V6, false)]
    [InlineData("hosts: files dns", "fd00::5 db6", "db6", IpVersion.V6, true)]
    [InlineData("hosts: files dns", "fd00::5 db6", "db6", IpVersion.Any, true)]
    [InlineData("hosts: files dns", "fd00::5 db6", "db6", IpVersion.V4, false)]
    [InlineData("hosts: files dns", "10.1.2.3 DB.Internal db", "db.INTERNAL", IpVersion.Any, true)]
    [InlineData("hosts: files dns", "10.1.2.3 primary  db\tcache # the one box", "cache", IpVersion.Any, true)]
    [InlineData("hosts: files dns", "10.1.2.3 db.internal", "db", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3 db.internal", "db.internal.", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3 db.internal.", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "# 10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3 #db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3#db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3", "10.1.2.3", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "010.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "fe80::1%eth0 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "fe80::1%2 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "[::1] db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "::FFFF:10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "0:0:0:0:0:0:0:1 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "db.internal 10.1.2.3", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "\u0000\uFFFD\u001B[2J 10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3 \u0131map", "imap", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3 b\u00fccher.example", "b\u00fccher.example", IpVersion.Any, false)]
    [InlineData("hosts: files dns", "10.1.2.3 \u212Aube", "kube", IpVersion.Any, false)]
    [InlineData("hosts: myhostname files dns", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, true)]
    [InlineData("hosts: resolve files dns", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: resolve files dns", "127.0.0.1 localhost", "localhost", IpVersion.Any, true)]
    [InlineData("hosts: mymachines files dns", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: dns files", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files [SUCCESS=continue] dns", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files dns\nhosts: dns files", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    [InlineData("hosts: files [", "10.1.2.3 db.internal", "db.internal", IpVersion.Any, false)]
    public void Answers_NsswitchAndHosts_SaysWhetherTheFileAnswersBeforeAnyQuery(string nsswitch, string hosts, string host, IpVersion version, bool expected) =>
        Assert.Equal(expected, HostsFileAnswer.Answers(nsswitch.Split('\n'), () => hosts.Split('\n'), host, version));

    [Fact]
    public void Answers_HostsFileChanges_ReadsItAgain()
    {
        using var directory = new TempDirectory();
        var nsswitch = directory.Write("nsswitch.conf", "hosts: files dns\n");
        var hosts = directory.Write("hosts", "127.0.0.1 localhost\n10.1.2.3 db.internal\n");
        var files = new HostsFileAnswer(nsswitch, hosts);
        Assert.True(files.Answers("db.internal", IpVersion.Any));

        // glibc reads the hosts file at every lookup: a name taken out is no longer answered by it, and would be asked of dns.
        File.WriteAllText(hosts, "127.0.0.1 localhost\n");
        Assert.False(files.Answers("db.internal", IpVersion.Any));
        Assert.True(files.Answers("localhost", IpVersion.Any));

        // So is a switch that now asks dns first.
        File.WriteAllText(nsswitch, "hosts: dns [!UNAVAIL=return] files\n");
        Assert.False(files.Answers("localhost", IpVersion.Any));
    }

    [Fact]
    public void Answers_HostileHostsFile_ReadsWithoutFailingAndAnswersOnlyWellFormedLines()
    {
        using var directory = new TempDirectory();
        var nsswitch = directory.Write("nsswitch.conf", "hosts: files dns\n");
        var noise = string.Concat(Enumerable.Repeat("\u0000\uFFFD\u001B]0;x\u0007 ", 20_000));
        var hosts = directory.Write("hosts", $"{noise}\n{new string('a', 100_000)} 10.9.9.9\n10.1.2.3 db.internal {new string('b', 70_000)}\n");
        var files = new HostsFileAnswer(nsswitch, hosts);

        Assert.True(files.Answers("db.internal", IpVersion.V4));
        Assert.True(files.Answers(new string('b', 70_000), IpVersion.Any));
        Assert.False(files.Answers("10.9.9.9", IpVersion.Any));
        Assert.False(files.Answers("db.internal", IpVersion.V6));
    }
}
