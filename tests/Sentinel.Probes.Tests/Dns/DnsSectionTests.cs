using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Protocols.Dns;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>Reading the <c>dns</c> section: defaults, and every bad input with its exact message and path.</summary>
public sealed partial class DnsSectionTests
{
    [Fact]
    public void Parse_EmptySection_AppliesDigLikeDefaults()
    {
        var section = DnsChecks.Parse("example.com", new { }).SectionAs<DnsSection>()!;

        Assert.Null(section.RecordType);
        Assert.Null(section.Servers);
        Assert.Equal((DnsTransport.Udp, true, true, 1232), (section.Transport, section.TcpFallback, section.Recursion, section.EdnsBufferSize));
        Assert.Equal([DnsClient.DnsHeaderResponseCode.NoError], section.ValidRcodes);
        Assert.Equal((DnsDriftMode.Off, false), (section.Drift, section.Agree));
    }

    [Fact]
    public void Parse_NoSection_IsAValidCheckOfTheSystemResolver()
    {
        var check = CheckParser.Parse("""{ "id": "t", "type": "dns", "target": "example.com" }""", "t", ProbeCatalog.Default.Checks);

        Assert.True(check.IsValid);
        Assert.Same(DnsSection.Default, check.Checks[0].Definition.Section);
    }

    [Fact]
    public void Parse_EverySetting_IsRead()
    {
        var section = DnsChecks.Parse("example.com", new
        {
            recordType = "MX",
            servers = new[] { "192.0.2.53", "[2001:db8::53]:5353", "NS1.example.com:5353" },
            transport = "tcp",
            recursion = false,
            ednsBufferSize = 4096,
            validRcodes = new[] { "NOERROR", "NXDOMAIN" },
            expectAnswers = new[] { "10 mx.example.com." },
            minTtl = "5m",
            drift = "baseline",
            agree = true,
            validateAnswer = new { failIfMatchesRegexp = new[] { "a" }, failIfNoneMatchesRegexp = new[] { "b", "c" } },
        }).SectionAs<DnsSection>()!;

        Assert.Equal(DnsClient.QueryType.MX, section.RecordType);
        Assert.Equal(["192.0.2.53:53", "[2001:db8::53]:5353", ""], section.Servers!.Select(s => s.EndPoint?.ToString() ?? ""));
        Assert.Equal(("NS1.example.com:5353", "ns1.example.com", 5353), (section.Servers![2].Name, section.Servers[2].Host, section.Servers[2].Port));
        Assert.Equal((DnsTransport.Tcp, false, 4096), (section.Transport, section.Recursion, section.EdnsBufferSize));
        Assert.Equal(2, section.ValidRcodes.Count);
        Assert.Equal(TimeSpan.FromMinutes(5), section.MinTtl);
        Assert.Equal((DnsDriftMode.Baseline, true), (section.Drift, section.Agree));
        Assert.Equal((1, 2), (section.ValidateAnswer.FailIfMatches.Count, section.ValidateAnswer.FailIfNoneMatches.Count));
    }

    [Theory]
    [InlineData("example.com", """{ "recordType": "ANY" }""", "$.dns.recordType: expected one of \"A\", \"AAAA\", \"CAA\", \"CNAME\", \"MX\", \"NS\", \"PTR\", \"SOA\", \"SRV\", \"TXT\", got string \"ANY\"")]
    [InlineData("example.com", """{ "recordType": 1 }""", "$.dns.recordType: expected one of \"A\", \"AAAA\", \"CAA\", \"CNAME\", \"MX\", \"NS\", \"PTR\", \"SOA\", \"SRV\", \"TXT\", got number 1")]
    [InlineData("example.com", """{ "servers": [] }""", "$.dns.servers: must list at least one server; leave it out to use the system's")]
    [InlineData("example.com", """{ "servers": "127.0.0.1" }""", "$.dns.servers: expected an array, got string \"127.0.0.1\"")]
    [InlineData("example.com", """{ "servers": ["dns example.com"] }""", "$.dns.servers[0]: \"dns example.com\" is not a valid host name (label \"dns example\")")]
    [InlineData("example.com", """{ "servers": ["ns.example.com", "NS.Example.com.:53"] }""", "$.dns.servers[1]: ns.example.com:53 is listed twice")]
    [InlineData("example.com", """{ "servers": ["127.0.0.1:99999"] }""", "$.dns.servers[0]: port must be a number from 1 to 65535, got \"99999\"")]
    [InlineData("example.com", """{ "servers": ["::1"] }""", "$.dns.servers[0]: an IPv6 address needs brackets around it, as in [2001:db8::1]:443")]
    [InlineData("example.com", """{ "servers": ["127.0.0.1", "127.0.0.1:53"] }""", "$.dns.servers[1]: 127.0.0.1:53 is listed twice")]
    [InlineData("example.com", """{ "servers": ["1.0.0.1","1.0.0.2","1.0.0.3","1.0.0.4","1.0.0.5","1.0.0.6","1.0.0.7","1.0.0.8","1.0.0.9","1.0.0.10","1.0.0.11"] }""", "$.dns.servers: must have at most 10 items, got 11")]
    [InlineData("example.com", """{ "transport": "quic" }""", "$.dns.transport: expected one of \"udp\", \"tcp\", got string \"quic\"")]
    [InlineData("example.com", """{ "transport": "tcp", "tcpFallback": false }""", "$.dns.tcpFallback: applies only to transport \"udp\"; with \"tcp\" every query goes over TCP")]
    [InlineData("example.com", """{ "recursion": "yes" }""", "$.dns.recursion: expected true or false, got string \"yes\"")]
    [InlineData("example.com", """{ "ednsBufferSize": 100 }""", "$.dns.ednsBufferSize: must be from 512 to 4096, got 100")]
    [InlineData("example.com", """{ "ednsBufferSize": 1232.5 }""", "$.dns.ednsBufferSize: expected a whole number from 512 to 4096, got number 1232.5")]
    [InlineData("example.com", """{ "validRcodes": [] }""", "$.dns.validRcodes: must list at least one rcode, such as \"NOERROR\"")]
    [InlineData("example.com", """{ "validRcodes": ["noerror"] }""", "$.dns.validRcodes[0]: unknown rcode \"noerror\"; expected one of: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, YXRRSET, NXRRSET, NOTAUTH, NOTZONE")]
    [InlineData("example.com", """{ "expectAnswers": [""] }""", "$.dns.expectAnswers[0]: expected a record as a non-empty string of at most 4096 characters, such as \"192.0.2.1\" or \"www.example.com. A 192.0.2.1\", got string \"\"")]
    [InlineData("example.com", """{ "expectAnswers": [42] }""", "$.dns.expectAnswers[0]: expected a record as a non-empty string of at most 4096 characters, such as \"192.0.2.1\" or \"www.example.com. A 192.0.2.1\", got number 42")]
    [InlineData("example.com", """{ "expectAnswers": ["not-an-ip"] }""", "$.dns.expectAnswers[0]: expected an IPv4 address for an A record, got \"not-an-ip\"")]
    [InlineData("example.com", """{ "expectAnswers": ["2001:db8::1"] }""", "$.dns.expectAnswers[0]: expected an IPv4 address for an A record, got \"2001:db8::1\"")]
    [InlineData("example.com", """{ "expectAnswers": ["www.example.com. MX 10"] }""", "$.dns.expectAnswers[0]: expected preference exchange, as in \"10 mx1.example.com.\", got \"www.example.com. MX 10\"")]
    [InlineData("example.com", """{ "recordType": "MX", "answersInclude": ["70000 mx.example.com"] }""", "$.dns.answersInclude[0]: expected preference exchange, as in \"10 mx1.example.com.\", got \"70000 mx.example.com\"")]
    [InlineData("example.com", """{ "recordType": "SRV", "expectAnswers": ["10 5 sip.example.com."] }""", "$.dns.expectAnswers[0]: expected priority weight port target, as in \"10 5 5060 sip.example.com.\", got \"10 5 sip.example.com.\"")]
    [InlineData("example.com", """{ "recordType": "CAA", "expectAnswers": ["0 issue"] }""", "$.dns.expectAnswers[0]: expected flags tag value for a CAA record, as in 0 issue \"ca.example.net\", got \"0 issue\"")]
    [InlineData("example.com", """{ "recordType": "TXT", "answersExclude": ["\"unclosed"] }""", "$.dns.answersExclude[0]: a quoted string is not closed: \"unclosed")]
    [InlineData("example.com", """{ "validateAnswer": { "failIfMatchesRegexp": ["("] } }""", "$.dns.validateAnswer.failIfMatchesRegexp[0]: invalid regular expression: Invalid pattern '(' at offset 1. Not enough )'s.")]
    [InlineData("example.com", """{ "validateAnswer": { "failIfMatch": [] } }""", "$.dns.validateAnswer.failIfMatch: unknown field; expected one of: failIfAllMatchRegexp, failIfMatchesRegexp, failIfNoneMatchesRegexp, failIfNotMatchesRegexp")]
    [InlineData("example.com", """{ "validateAuthority": "x" }""", "$.dns.validateAuthority: expected an object, got string \"x\"")]
    [InlineData("example.com", """{ "validateAdditional": { "failIfNoneMatchesRegexp": [1] } }""", "$.dns.validateAdditional.failIfNoneMatchesRegexp[0]: expected a regular expression as a non-empty string of at most 4096 characters, got number 1")]
    [InlineData("example.com", """{ "minTtl": "0s" }""", "$.dns.minTtl: must be from 1s to 365d, got \"0s\"")]
    [InlineData("example.com", """{ "minTtl": 300 }""", "$.dns.minTtl: expected a duration such as \"30s\", \"5m\" or \"1h30m\", got number 300")]
    [InlineData("example.com", """{ "drift": "yes" }""", "$.dns.drift: expected one of \"off\", \"baseline\", got string \"yes\"")]
    [InlineData("example.com", """{ "agree": true, "servers": ["127.0.0.1"] }""", "$.dns.agree: needs at least two servers to compare, got 1")]
    [InlineData("example.com", """{ "server": ["127.0.0.1"] }""", "$.dns.server: unknown field; did you mean \"servers\"?")]
    [InlineData("example.com", """[]""", "$.dns: expected an object, got an array")]
    [InlineData("192.0.2.1", """{ "recordType": "MX" }""", "$.dns.recordType: a target that is an IP address is looked up in reverse (PTR, as dig -x does); recordType must be \"PTR\" or left out, got \"MX\"")]
    [InlineData("192.0.2.1", """{ "expectAnswers": ["not a name!"] }""", "$.dns.expectAnswers[0]: expected a domain name for a PTR record, got \"not a name!\"")]
    [InlineData("exa mple.com", "{}", "$.target: \"exa mple.com\" has a space or control character (U+0020) in the label \"exa mple\"")]
    [InlineData("a\\.b.com", "{}", "$.target: \"a\\.b.com\" has a backslash: escapes (\\. or \\DDD) are not supported in names")]
    [InlineData("127.0.0.1:53", "{}", "$.target: expected a domain name or an IP address (without brackets or port), got \"127.0.0.1:53\"; the servers go in dns.servers")]
    [InlineData("[::1]", "{}", "$.target: expected a domain name or an IP address (without brackets or port), got \"[::1]\"; the servers go in dns.servers")]
    [InlineData("a..b", "{}", "$.target: \"a..b\" has an empty label (two dots in a row, or a leading dot)")]
    [InlineData(".example.com", "{}", "$.target: \".example.com\" has an empty label (two dots in a row, or a leading dot)")]
    public void Parse_BadSetting_IsRejectedWithItsPathAndWhy(string target, string dns, string error) =>
        Assert.Equal([error], DnsChecks.Errors(target, dns));

    [Theory]
    [InlineData("\"resolver\": \"127.0.0.1\"", "$.resolver: not used by type \"dns\"; its own section says which servers to ask")]
    [InlineData("\"ipVersion\": \"ipv4\"", "$.ipVersion: not used by type \"dns\"")]
    [InlineData("\"tcp\": {}", "$.tcp: this section belongs to type \"tcp\", but the check's type is \"dns\"")]
    public void Parse_CommonFieldThatDnsChecksDoNotUse_IsRejected(string member, string error)
    {
        var document = CheckParser.Parse($$"""{ "id": "t", "type": "dns", "target": "example.com", {{member}} }""", "t", ProbeCatalog.Default.Checks);

        Assert.Equal([error], document.Errors.Select(e => $"{e.Path}: {e.Message}"));
    }

    [Fact]
    public void Parse_HostileSizes_AreBounded()
    {
        var manyRecords = JsonSerializer.Serialize(Enumerable.Range(0, 1001).Select(i => "192.0.2.1"));
        var manyPatterns = JsonSerializer.Serialize(Enumerable.Range(0, 33).Select(i => "a"));
        var hugeRecord = JsonSerializer.Serialize(new string('x', 5000));

        Assert.Equal(["$.dns.expectAnswers: must have at most 1000 items, got 1001"], DnsChecks.Errors("example.com", $$"""{ "expectAnswers": {{manyRecords}} }"""));
        Assert.Equal(["$.dns.validateAnswer.failIfMatchesRegexp: must have at most 32 items, got 33"], DnsChecks.Errors("example.com", $$"""{ "validateAnswer": { "failIfMatchesRegexp": {{manyPatterns}} } }"""));
        Assert.StartsWith("$.dns.answersInclude[0]: expected a record as a non-empty string of at most 4096 characters", Assert.Single(DnsChecks.Errors("example.com", $$"""{ "answersInclude": [{{hugeRecord}}] }""")), StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_DnsSectionFields_MatchWhatTheParserAccepts()
    {
        Assert.Equal(KnownFields("""{ "zzz": 1 }""", "$.dns.zzz"), SchemaProperties("dns"));
        Assert.Equal(KnownFields("""{ "validateAnswer": { "zzz": 1 } }""", "$.dns.validateAnswer.zzz"), SchemaProperties("dnsRecordRules"));
    }

    [Fact]
    public void Schema_DnsEnums_MatchTheParser()
    {
        var properties = Schema().GetProperty("$defs").GetProperty("dns").GetProperty("properties");

        Assert.Equal(DnsVocabulary.RecordTypes.Keys.Order(StringComparer.Ordinal), Enum(properties.GetProperty("recordType")).Order(StringComparer.Ordinal));
        Assert.Equal(DnsVocabulary.Rcodes.Keys, Enum(properties.GetProperty("validRcodes").GetProperty("items")));
    }

    private static IEnumerable<string> Enum(JsonElement element) => element.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);

    private static List<string> KnownFields(string dns, string path)
    {
        var error = Assert.Single(CheckParser.Parse($$"""{ "id": "a", "type": "dns", "target": "example.com", "dns": {{dns}} }""", "t", ProbeCatalog.Default.Checks).Errors, e => e.Path == path);
        var list = ExpectedList().Match(error.Message);
        Assert.True(list.Success, error.Message);
        return list.Groups[1].Value.Split(", ").Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> SchemaProperties(string definition) =>
        Schema().GetProperty("$defs").GetProperty(definition).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    private static JsonElement Schema()
    {
        using var stream = typeof(CheckParser).Assembly.GetManifestResourceStream("Sentinel.Probes.check.schema.json")!;
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    [GeneratedRegex("expected one of: (.+)$")]
    private static partial Regex ExpectedList();
}
