using Sentinel.Probes.Names;
using Xunit;

namespace Sentinel.Probes.Tests.Names;

/// <summary>
/// The list's formal algorithm on a small list (cases from publicsuffix.org's own test file, rules written out
/// here), and the operating system's list as Sentinel reads it (test.sh installs Debian's publicsuffix).
/// </summary>
public sealed class PublicSuffixListTests
{
    private const string Rules = """
        // ===BEGIN ICANN DOMAINS===
        com
        uk
        co.uk
        jp
        *.kobe.jp
        !city.kobe.jp
        ck
        *.ck
        !www.ck
        中国
        // ===BEGIN PRIVATE DOMAINS===
        github.io
        """;

    private static readonly PublicSuffixList List = PublicSuffixList.Parse(new StringReader(Rules), "test");

    [Theory]
    [InlineData("com", null)]
    [InlineData("example.com", "example.com")]
    [InlineData("www.example.com", "example.com")]
    [InlineData("WWW.Example.COM.", "example.com")]
    [InlineData("example", null)]
    [InlineData("b.example", "b.example")]
    [InlineData("co.uk", null)]
    [InlineData("www.example.co.uk", "example.co.uk")]
    [InlineData("c.kobe.jp", null)]
    [InlineData("b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("a.b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("city.kobe.jp", "city.kobe.jp")]
    [InlineData("www.city.kobe.jp", "city.kobe.jp")]
    [InlineData("c.ck", null)]
    [InlineData("b.c.ck", "b.c.ck")]
    [InlineData("www.ck", "www.ck")]
    [InlineData("www.www.ck", "www.ck")]
    [InlineData("中国", null)]
    [InlineData("食狮.中国", "xn--85x722f.xn--fiqs8s")]
    [InlineData("github.io", null)]
    [InlineData("someone.github.io", "someone.github.io")]
    [InlineData("a..com", null)]
    public void RegistrableDomain_FollowsTheFormalAlgorithm(string host, string? expected)
    {
        Assert.Equal(expected, List.RegistrableDomain(host));
    }

    [Theory]
    [InlineData("co.uk", true)]
    [InlineData("example.co.uk", false)]
    [InlineData("anything.kobe.jp", true)]
    [InlineData("city.kobe.jp", false)]
    [InlineData("test", true)]
    [InlineData("x.test", false)]
    public void IsPublicSuffix_ListedWildcardExceptionAndUnlisted(string host, bool expected)
    {
        Assert.Equal(expected, List.IsPublicSuffix(host));
    }

    [Fact]
    public void System_DebianList_KnowsCommonSuffixes()
    {
        var list = PublicSuffixList.System;

        Assert.NotNull(list);
        Assert.True(list.Count > 5_000, $"{list.Source} holds only {list.Count} rules");
        Assert.True(list.IsPublicSuffix("co.uk"));
        Assert.True(list.IsPublicSuffix("github.io"));
        Assert.Equal("example.co.uk", list.RegistrableDomain("www.example.co.uk"));
    }

    [Fact]
    public void Load_MissingFile_IsNull()
    {
        Assert.Null(PublicSuffixList.Load("/nonexistent/public_suffix_list.dat"));
    }
}
