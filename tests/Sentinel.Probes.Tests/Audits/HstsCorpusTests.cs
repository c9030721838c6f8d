using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Tests.Headers;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// The HSTS corpus: a real HTTPS server sends each set of Strict-Transport-Security fields, and a headers check must
/// report exactly the hsts.* ids listed (the site is a registrable domain and its plain-HTTP URL redirects to HTTPS
/// on the same host, so only the header decides). Fields are separated by "|" in the table; "(none)" sends no field.
/// </summary>
public sealed class HstsCorpusTests(HstsSite site) : IClassFixture<HstsSite>
{
    public static TheoryData<string, string, string> Corpus() => new()
    {
        // fields | extra check settings | expected ids
        { "(none)", "", "hsts.missing" },
        { "max-age=31536000", "", "" },
        { "max-age=0", "", "hsts.max_age_zero" },
        { "max-age=\"31536000\"", "", "" },
        { "max-age=-1", "", "hsts.invalid" },
        { "max-age=abc", "", "hsts.invalid" },
        { "max-age", "", "hsts.invalid" },
        { "max-age=", "", "hsts.invalid" },
        { "max-age=\"31536000", "", "hsts.invalid" },
        { "max-age=1; max-age=31536000", "", "hsts.invalid" },
        { "max-age=31536000|max-age=0", "", "hsts.multiple_headers" },
        { "max-age=0|max-age=31536000", "", "hsts.max_age_zero hsts.multiple_headers" },
        { "MAX-AGE=31536000; INCLUDESUBDOMAINS", "includeSubDomains", "" },
        { "max-age=31536000; iNcLuDeSuBdOmAiNs", "includeSubDomains", "" },
        { "max-age=31536000", "includeSubDomains", "hsts.no_include_subdomains" },
        { "max-age=31536000;", "", "" },
        { "max-age=31536000; report-uri=\"https://r.example\"; foo", "", "" },
        { "max-age=86400", "", "hsts.max_age_short" },
        { "max-age=15552000", "", "" },
        { "max-age=15551999", "", "hsts.max_age_short" },
        { "max-age=3600", "minMaxAge=1h", "" },
        { "max-age=31536000, includeSubDomains", "", "hsts.invalid" },
        { "max-age=31536000; includeSubDomains=yes", "", "hsts.invalid" },
        { "max-age=31536000; includeSubDomains; includeSubDomains", "", "hsts.invalid" },
        { "max-age=31536000; preload", "", "hsts.preload_not_ready" },
        { "max-age=31536000; includeSubDomains; preload", "", "hsts.preload_ready" },
        { "max-age=63072000; includeSubDomains; preload", "", "hsts.preload_ready" },
        { "max-age=10886400; includeSubDomains; preload", "", "hsts.max_age_short hsts.preload_not_ready" },
        { "max-age=31536000; includeSubDomains; preload=1", "", "hsts.preload_not_ready" },
        { "max-age=31536000; includeSubDomains; preload; preload", "", "hsts.preload_ready" },
        { "includeSubDomains; preload", "", "hsts.invalid hsts.preload_not_ready" },
        { "max-age=0; includeSubDomains; preload", "", "hsts.max_age_zero hsts.preload_not_ready" },
        { "max-age=31536000; includeSubDomains", "preload", "hsts.preload_not_ready" },
        { "max-age=31536000; includeSubDomains; preload", "preload", "hsts.preload_ready" },

        // hstspreload.org's grammar, not RFC 6797's, decides preloading: the verdicts can disagree either way.
        { "max-age=\"31536000\"; includeSubDomains; preload", "", "hsts.preload_not_ready" },
        { "max-age = 31536000; includeSubDomains; preload", "", "hsts.preload_not_ready" },
        { "max-age=31536000; max-age=31536000; includeSubDomains; preload", "", "hsts.invalid hsts.preload_ready" },
        { "max-age=31536000; includeSubDomains; includeSubDomains; preload", "", "hsts.invalid hsts.preload_ready" },
        { "max-age=31536000; includeSubDomains; preload|max-age=31536000; includeSubDomains; preload", "", "hsts.multiple_headers hsts.preload_not_ready" },
        { "max-age=31536000; includeSubDomains|max-age=31536000; includeSubDomains; preload", "", "hsts.multiple_headers hsts.preload_not_ready" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task RunAsync_StrictTransportSecurityFields_ReportExactlyTheseIds(string fields, string settings, string expected)
    {
        var path = site.PathFor(fields == "(none)" ? [] : fields.Split('|'));
        var hsts = new JsonObject();
        foreach (var setting in settings.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = setting.Split('=');
            hsts[parts[0]] = parts.Length > 1 ? JsonValue.Create(parts[1]) : JsonValue.Create(true);
        }

        var check = site.Parse(site.HttpsUrl(path), site.Section(path, hsts));
        var result = await HeadersChecks.RunAsync(check);

        Assert.True(result.Phases.Count > 0 && result.Failure?.Layer is null or "audit", HeadersChecks.Report(check, result));
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), HeadersChecks.Ids(result, "hsts."));
    }

    [Fact]
    public async Task RunAsync_InvalidHeader_NamesTheValueAndTheReasonWithEvidence()
    {
        var path = site.PathFor("max-age=31536000, includeSubDomains");
        var check = site.Parse(site.HttpsUrl(path), site.Section(path));

        var result = await HeadersChecks.RunAsync(check);

        var finding = HeadersChecks.Finding(result, "hsts.invalid");
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal($"the Strict-Transport-Security header of {site.HttpsUrl(path)} is \"max-age=31536000, includeSubDomains\", which browsers ignore: expected \";\" after max-age=31536000 at character 17, found \",\": directives are separated by \";\"; a \",\" usually means two Strict-Transport-Security fields were joined into one (by a proxy or the application)", finding.Message);
        Assert.Contains(new KeyValuePair<string, string>("request", $"GET {site.HttpsUrl(path)}"), finding.Evidence!);
        Assert.Contains(new KeyValuePair<string, string>("response", "200 OK"), finding.Evidence!);
        Assert.Contains(new KeyValuePair<string, string>("< Strict-Transport-Security", "max-age=31536000, includeSubDomains"), finding.Evidence!);
        Assert.Equal(ProbeStatus.Degraded, result.Status);
        Assert.Equal("audit_finding", result.Problems.Single().Category);
    }

    [Fact]
    public async Task RunAsync_TwoFields_HonoursTheFirstAndNamesBoth()
    {
        var path = site.PathFor("max-age=31536000", "max-age=0");
        var check = site.Parse(site.HttpsUrl(path), site.Section(path));

        var result = await HeadersChecks.RunAsync(check);

        var finding = HeadersChecks.Finding(result, "hsts.multiple_headers");
        Assert.Equal($"{site.HttpsUrl(path)} sent 2 Strict-Transport-Security fields (\"max-age=31536000\", \"max-age=0\"); browsers honour only the first", finding.Message);
        Assert.Contains(new KeyValuePair<string, string>("< Strict-Transport-Security #2", "max-age=0"), finding.Evidence!);
        Assert.Equal(31536000, result.Measurements["audit.hsts_max_age"].Number);
    }

    [Fact]
    public async Task RunAsync_PreloadReady_SaysWhyAndIsInfoOnly()
    {
        var path = site.PathFor("max-age=31536000; includeSubDomains; preload");
        var check = site.Parse(site.HttpsUrl(path), site.Section(path));

        var result = await HeadersChecks.RunAsync(check);

        var finding = HeadersChecks.Finding(result, "hsts.preload_ready");
        Assert.Equal(FindingSeverity.Info, finding.Severity);
        Assert.Equal($"sentinel.test meets hstspreload.org's rules: max-age=31536000; includeSubDomains; preload, and {site.PlainUrl(path)} redirects to {site.HttpsUrl(path)}", finding.Message);
        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1, result.Measurements["audit.findings_info"].Number);
    }

    [Fact]
    public async Task RunAsync_PreloadWithoutIncludeSubDomains_ListsEveryRuleMissed()
    {
        var path = site.PathFor("max-age=86400; preload");
        var check = site.Parse(site.HttpsUrl(path), site.Section(path));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal("sentinel.test is not ready for the HSTS preload list: includeSubDomains is missing [header.preloadable.include_sub_domains.missing]; max-age is 86400, below 31536000 (1 year) [header.preloadable.max_age.below_1_year]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    [Fact]
    public async Task RunAsync_PreloadReadyHeaderOnASubdomain_IsNotReadyNamingTheDomainToPreload()
    {
        var path = site.PathFor("max-age=31536000; includeSubDomains; preload");
        var host = $"www.{HstsSite.Domain}";
        var check = site.Parse(site.HttpsUrl(path, host), site.Section(path, host: host));

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal(["hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal("www.sentinel.test is not ready for the HSTS preload list: www.sentinel.test is a subdomain; preload sentinel.test instead (hstspreload.org takes only registrable domains; includeSubDomains there covers www.sentinel.test) [domain.is_subdomain]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    [Fact]
    public async Task RunAsync_PreloadReadyHeaderOnASingleLabelName_IsNotReady()
    {
        var path = site.PathFor("max-age=31536000; includeSubDomains; preload");
        var check = HeadersChecks.Parse(site.HttpsUrl(path, "localhost"), site.Section(path, host: "localhost"), ipVersion: "ipv4");

        var result = await HeadersChecks.RunAsync(check);

        Assert.Equal("localhost is not ready for the HSTS preload list: localhost is a single-label name; only a registrable domain (such as example.com) can be preloaded [domain.format.public_suffix]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }
}
