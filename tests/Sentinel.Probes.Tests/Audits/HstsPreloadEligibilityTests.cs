using Sentinel.Probes.Audits;
using Sentinel.Probes.Names;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// hstspreload.org takes only a registrable domain (eTLD+1 by the Public Suffix List): the name itself decides,
/// judged here on exchanges as the audit records them, with the system's list, a list of the test's own, or none.
/// </summary>
public sealed class HstsPreloadEligibilityTests
{
    private const string Ready = "max-age=31536000; includeSubDomains; preload";

    private static readonly PublicSuffixList Own = PublicSuffixList.Parse(new StringReader("// a test list\nsentinel.test\n*.cloud.test\n"), "test list");

    [Theory]
    [InlineData("example.co.uk", null)]
    [InlineData("www.example.co.uk", "www.example.co.uk is a subdomain; preload example.co.uk instead (hstspreload.org takes only registrable domains; includeSubDomains there covers www.example.co.uk) [domain.is_subdomain]")]
    [InlineData("a.b.example.com", "a.b.example.com is a subdomain; preload example.com instead (hstspreload.org takes only registrable domains; includeSubDomains there covers a.b.example.com) [domain.is_subdomain]")]
    [InlineData("co.uk", "co.uk is a public suffix (on the Public Suffix List); only a domain registered under it can be preloaded [domain.format.public_suffix]")]
    [InlineData("github.io", "github.io is a public suffix (on the Public Suffix List); only a domain registered under it can be preloaded [domain.format.public_suffix]")]
    [InlineData("intranet", "intranet is a single-label name; only a registrable domain (such as example.com) can be preloaded [domain.format.public_suffix]")]
    [InlineData("192.0.2.7", "192.0.2.7 is an IP address; only domain names can be preloaded [domain.format.is_ip_address]")]
    public void Evaluate_HostWithTheSystemList_JudgesTheNameAsHstspreloadDoes(string host, string? reason)
    {
        Assert.NotNull(PublicSuffixList.System);

        var findings = Evaluate(host, PublicSuffixList.System);

        Assert.Equal(reason is null ? $"{host} meets hstspreload.org's rules: {Ready}, and http://{host}/ redirects to https://{host}/" : $"{host} is not ready for the HSTS preload list: {reason}",
            Assert.Single(findings.All).Message);
    }

    [Theory]
    [InlineData("app.sentinel.test", null)]
    [InlineData("sentinel.test", "sentinel.test is a public suffix (on the Public Suffix List); only a domain registered under it can be preloaded [domain.format.public_suffix]")]
    [InlineData("eu.cloud.test", "eu.cloud.test is a public suffix (on the Public Suffix List); only a domain registered under it can be preloaded [domain.format.public_suffix]")]
    [InlineData("www.x.eu.cloud.test", "www.x.eu.cloud.test is a subdomain; preload x.eu.cloud.test instead (hstspreload.org takes only registrable domains; includeSubDomains there covers www.x.eu.cloud.test) [domain.is_subdomain]")]
    public void Evaluate_HostWithAnotherList_FollowsThatList(string host, string? reason)
    {
        var findings = Evaluate(host, Own);

        Assert.Equal(reason is null ? AuditIds.HstsPreloadReady : AuditIds.HstsPreloadNotReady, Assert.Single(findings.All).Id);
        if (reason is not null)
        {
            Assert.Equal($"{host} is not ready for the HSTS preload list: {reason}", findings.All[0].Message);
        }
    }

    [Fact]
    public void Evaluate_NoPublicSuffixList_SaysTheNameCouldNotBeJudged()
    {
        var findings = Evaluate("example.com", null);

        var finding = Assert.Single(findings.All);
        Assert.Equal(AuditIds.HstsPreloadNotReady, finding.Id);
        Assert.Equal("example.com is not ready for the HSTS preload list: whether example.com can be preloaded could not be judged: the Public Suffix List (/usr/share/publicsuffix/public_suffix_list.dat) is missing on this node; install the publicsuffix package [domain.is_subdomain, not judged]", finding.Message);
    }

    [Fact]
    public void Evaluate_PlainLegNotFollowed_IsNotReadyNamingWhy()
    {
        var findings = new AuditFindings(AuditSettings.Default);

        HstsAudit.Evaluate(HstsSettings.Default, new HstsInputs(Https("example.com"), null, "the audit stopped before it: the check's deadline hit during the plain-HTTP request", true, PublicSuffixList.System), findings);

        Assert.Equal("example.com is not ready for the HSTS preload list: the plain-HTTP redirect was not checked (the audit stopped before it: the check's deadline hit during the plain-HTTP request) [redirects.http, not checked]",
            Assert.Single(findings.All).Message);
    }

    private static AuditFindings Evaluate(string host, PublicSuffixList? list)
    {
        var findings = new AuditFindings(AuditSettings.Default);
        var plainUrl = new Uri($"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}/");
        var plain = new AuditExchange(new AuditRequest("the plain-HTTP request", "GET", plainUrl, []),
            new AuditResponse(301, "Moved Permanently", [new("Location", new Uri($"https://{plainUrl.Authority}/").ToString())]));
        HstsAudit.Evaluate(HstsSettings.Default, new HstsInputs(Https(host), new PlainChain([plain], PlainEnd.Https), null, true, list), findings);
        return findings;
    }

    private static AuditExchange Https(string host) =>
        new(new AuditRequest("the check's request", "GET", new Uri($"https://{host}/"), []),
            new AuditResponse(200, "OK", [new("Strict-Transport-Security", Ready)]));
}
