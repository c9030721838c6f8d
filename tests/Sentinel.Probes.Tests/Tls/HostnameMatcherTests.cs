using System.Net;
using Sentinel.Probes.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>RFC 6125 name matching, table-driven over real certificates.</summary>
public sealed class HostnameMatcherTests
{
    [Theory]
    [InlineData("*.a.test", "x.a.test", true)]
    [InlineData("*.a.test", "a.test", false)]
    [InlineData("*.a.test", "x.y.a.test", false)]
    [InlineData("*.a.test", ".a.test", false)]
    [InlineData("w*.a.test", "www.a.test", false)]
    [InlineData("*w.a.test", "www.a.test", false)]
    [InlineData("x.*.test", "x.a.test", false)]
    [InlineData("*", "test", false)]
    [InlineData("www.a.test", "www.a.test", true)]
    [InlineData("WWW.A.Test", "www.a.test", true)]
    [InlineData("www.a.test", "WWW.A.TEST", true)]
    [InlineData("www.a.test", "www.a.test.", true)]
    [InlineData("www.a.test", "ww.a.test", false)]
    [InlineData("xn--bcher-kva.test", "bücher.test", true)]
    [InlineData("xn--bcher-kva.test", "BÜCHER.test", true)]
    [InlineData("*.xn--bcher-kva.test", "shop.bücher.test", true)]
    [InlineData("xn--bcher-kva.test", "bucher.test", false)]
    public void Matches_DnsName_FollowsRfc6125(string presented, string host, bool expected)
    {
        var facts = Facts(new CertificateSpec { CommonName = "subject.test", DnsNames = [presented] });

        Assert.Equal(expected, HostnameMatcher.Matches(facts, host));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", false)]
    [InlineData("::1", false)]
    [InlineData("localhost", false)]
    public void Matches_IpSan_MatchesOnlyThatAddress(string host, bool expected)
    {
        var facts = Facts(new CertificateSpec { CommonName = "127.0.0.1", IpAddresses = [IPAddress.Loopback] });

        Assert.Equal(expected, HostnameMatcher.Matches(facts, host));
    }

    [Fact]
    public void Matches_Ipv6San_MatchesTheAddressInAnyNotation()
    {
        var facts = Facts(new CertificateSpec { CommonName = "v6", IpAddresses = [IPAddress.Parse("2001:db8::1")] });

        Assert.True(HostnameMatcher.Matches(facts, "2001:0db8:0:0::1"));
    }

    [Fact]
    public void Matches_IpTargetAndDnsSanWithItsText_DoesNotMatch()
    {
        var facts = Facts(new CertificateSpec { CommonName = "127.0.0.1", DnsNames = ["127.0.0.1"] });

        Assert.False(HostnameMatcher.Matches(facts, "127.0.0.1"));
    }

    [Fact]
    public void Matches_CommonNameWithoutSans_IsNotUsed()
    {
        var facts = Facts(new CertificateSpec { CommonName = "www.a.test", DnsNames = [] });

        Assert.Empty(facts.DnsNames);
        Assert.False(HostnameMatcher.Matches(facts, "www.a.test"));
    }

    private static CertificateFacts Facts(CertificateSpec spec) => CertificateFacts.Of(TestCertificateAuthority.SelfSigned(spec).Leaf);
}
