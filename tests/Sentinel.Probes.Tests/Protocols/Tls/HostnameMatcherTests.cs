using System.Net;
using Sentinel.Probes.Names;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tls;

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
    [InlineData("*.test", "x.test", false)]
    [InlineData("*.localhost", "x.localhost", false)]
    [InlineData("*.co.uk", "example.co.uk", false)]
    [InlineData("*.com", "example.com", false)]
    [InlineData("*.example.co.uk", "www.example.co.uk", true)]
    [InlineData("*.github.io", "sentinel.github.io", true)]
    [InlineData("*.s3.amazonaws.com", "bucket.s3.amazonaws.com", true)]
    public void Matches_WildcardOverOneLabelOrAnIcannPublicSuffix_IsRefused(string presented, string host, bool expected)
    {
        // The system's list (Debian's publicsuffix): wildcards over the ICANN section's suffixes are refused as in
        // Chrome; the private section's (github.io, s3.amazonaws.com) belong to companies holding such certificates.
        Assert.NotNull(PublicSuffixList.System?.Icann);
        var facts = Facts(new CertificateSpec { CommonName = "subject.test", DnsNames = [presented] });

        Assert.Equal(expected, HostnameMatcher.Matches(facts, host));
    }

    [Fact]
    public void Check_WildcardOverAPublicSuffix_SaysWhyItIsRefused()
    {
        var facts = Facts(new CertificateSpec { CommonName = "subject.test", DnsNames = ["*.co.uk"] });

        Assert.Equal(new HostnameMatch(false, " (the wildcard *.co.uk is refused: co.uk is a public suffix, and browsers refuse wildcards over one)"),
            HostnameMatcher.Check(facts, "example.co.uk", SuffixList("uk\nco.uk\n")));
    }

    [Fact]
    public void Check_NoSuffixList_AppliesTheTwoLabelRuleAndSaysTheRestWasNotChecked()
    {
        var facts = Facts(new CertificateSpec { CommonName = "subject.test", DnsNames = ["*.co.uk", "*.test"] });

        Assert.Equal(new HostnameMatch(true, " through the wildcard *.co.uk, without checking that co.uk is not a public suffix: this node has no Public Suffix List"),
            HostnameMatcher.Check(facts, "example.co.uk", suffixes: null));
        Assert.Equal(new HostnameMatch(false, " (the wildcard *.test is refused: a wildcard must leave at least two labels, as OpenSSL and browsers require)"),
            HostnameMatcher.Check(facts, "x.test", suffixes: null));
    }

    [Fact]
    public void IcannPublicSuffixes_ListFile_KeepsOnlyTheIcannSection()
    {
        using var directory = new TempDirectory("sentinel-psl");
        var path = directory.Write("public_suffix_list.dat", $"// ===BEGIN ICANN DOMAINS===\nuk\nco.uk\n// ===END ICANN DOMAINS===\n// {PublicSuffixList.PrivateSectionMarker}\ngithub.io\n");

        var list = PublicSuffixList.Load(path)!.Icann;

        Assert.True(list.IsPublicSuffix("co.uk"));
        Assert.False(list.IsPublicSuffix("github.io"));
        Assert.Null(PublicSuffixList.Load(Path.Combine(directory.Path, "missing.dat")));
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

    private static PublicSuffixList SuffixList(string rules) => PublicSuffixList.Parse(new StringReader(rules), "test");
}
