using Sentinel.Probes.Dns;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>Expected records as people write them, and the normal form they are compared in.</summary>
public sealed class DnsRecordTextTests
{
    [Theory]
    [InlineData("A", "192.0.2.1", null, "A", "192.0.2.1")]
    [InlineData("A", "  192.0.2.1  ", null, "A", "192.0.2.1")]
    [InlineData("AAAA", "2001:DB8:0:0:0:0:0:1", null, "AAAA", "2001:db8::1")]
    [InlineData("CNAME", "Web.Example.COM", null, "CNAME", "web.example.com.")]
    [InlineData("NS", "ns1.example.com.", null, "NS", "ns1.example.com.")]
    [InlineData("PTR", "bücher.example", null, "PTR", "xn--bcher-kva.example.")]
    [InlineData("MX", "10   MX1.example.com", null, "MX", "10 mx1.example.com.")]
    [InlineData("MX", "0 .", null, "MX", "0 .")]
    [InlineData("SRV", "10 5 5060 sip.example.com", null, "SRV", "10 5 5060 sip.example.com.")]
    [InlineData("SOA", "NS1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300", null, "SOA", "ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300")]
    [InlineData("TXT", "v=spf1 -all", null, "TXT", "\"v=spf1 -all\"")]
    [InlineData("TXT", "\"one\" \"two\"", null, "TXT", "\"one\" \"two\"")]
    [InlineData("TXT", "\"say \\\"hi\\\"\"", null, "TXT", "\"say \\\"hi\\\"\"")]
    [InlineData("TXT", "\"tab\\009here\"", null, "TXT", "\"tab\\009here\"")]
    [InlineData("TXT", "Case Matters", null, "TXT", "\"Case Matters\"")]
    [InlineData("CAA", "0 ISSUE ca.example.net", null, "CAA", "0 issue \"ca.example.net\"")]
    [InlineData("CAA", "128 iodef \"mailto:sec@example.com\"", null, "CAA", "128 iodef \"mailto:sec@example.com\"")]
    [InlineData("A", "WWW.example.com. cname Web.example.com", "www.example.com.", "CNAME", "web.example.com.")]
    [InlineData("A", "example.com. TXT \"a b\"", "example.com.", "TXT", "\"a b\"")]
    [InlineData("TXT", "\"caf\\195\\169\" \"bad\\255byte\"", null, "TXT", "\"caf\\195\\169\" \"bad\\255byte\"")]
    [InlineData("TXT", "\"café\"", null, "TXT", "\"caf\\195\\169\"")]
    [InlineData("TXT", "café", null, "TXT", "\"caf\\195\\169\"")]
    [InlineData("TXT", "\"\\255\" \"\\\\255\"", null, "TXT", "\"\\255\" \"\\\\255\"")]
    [InlineData("A", "*.Example.com. A 192.0.2.1", "*.example.com.", "A", "192.0.2.1")]
    [InlineData("A", "_dmarc.example.com. TXT \"v=DMARC1\"", "_dmarc.example.com.", "TXT", "\"v=DMARC1\"")]
    [InlineData("PTR", "1.0/25.2.0.192.in-addr.arpa. CNAME 1.0/25.2.0.192.in-addr.arpa.", "1.0/25.2.0.192.in-addr.arpa.", "CNAME", "1.0/25.2.0.192.in-addr.arpa.")]
    public void TryParse_RecordAsWritten_IsNormalised(string queryType, string text, string? name, string type, string data)
    {
        Assert.True(DnsExpectedRecord.TryParse(text, queryType, out var record, out var error), error);

        Assert.Equal(new DnsExpectedRecord(name, type, data), record);
    }

    [Theory]
    [InlineData("A", "192.0.2", "expected an IPv4 address for an A record, got \"192.0.2\"")]
    [InlineData("A", "192.0.2.1 192.0.2.2", "expected an IPv4 address for an A record, got \"192.0.2.1 192.0.2.2\"")]
    [InlineData("AAAA", "192.0.2.1", "expected an IPv6 address for an AAAA record, got \"192.0.2.1\"")]
    [InlineData("CNAME", "a b", "expected a domain name for a CNAME record, got \"a b\"")]
    [InlineData("MX", "-1 mx.example.com", "expected preference exchange, as in \"10 mx1.example.com.\", got \"-1 mx.example.com\"")]
    [InlineData("SOA", "a. b. 1 2 3", "expected mname rname serial refresh retry expire minimum, got \"a. b. 1 2 3\"")]
    [InlineData("SOA", "a. b. 1 2 3 4 99999999999", "expected mname rname serial refresh retry expire minimum, got \"a. b. 1 2 3 4 99999999999\"")]
    [InlineData("TXT", "\"a\" b", "expected quoted strings separated by spaces, got \"\"a\" b\"")]
    [InlineData("CAA", "256 issue x", "expected flags tag value for a CAA record, as in 0 issue \"ca.example.net\", got \"256 issue x\"")]
    [InlineData("A", "a..b. A 192.0.2.1", "\"a..b.\" is not a valid owner name: \"a..b.\" has an empty label (two dots in a row, or a leading dot)")]
    [InlineData("TXT", "\"\\256\"", "\\256 is not an octet (\\000 to \\255), in \"\"\\256\"\"")]
    public void TryParse_BadRecord_SaysWhatWasExpected(string queryType, string text, string error)
    {
        Assert.False(DnsExpectedRecord.TryParse(text, queryType, out _, out var actual));

        Assert.Equal(error, actual);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("quote\" and \\", "\"quote\\\" and \\\\\"")]
    [InlineData("bell\u0007", "\"bell\\007\"")]
    [InlineData("café", "\"caf\\195\\169\"")]
    public void Quote_CharacterString_EscapesAsDigDoes(string text, string quoted) =>
        Assert.Equal(quoted, DnsRecordView.Quote(text));
}
