using System.Text;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>
/// Record data a zone server would not send, written octet for octet by a server on loopback: character strings
/// that are not UTF-8, TTLs with the top bit set, types DnsClient does not know. Each must be shown as dig shows
/// it and compared octet for octet.
/// </summary>
public sealed class DnsRecordDataTests
{
    private const ushort Txt = 16;

    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Fact]
    public async Task RunAsync_TxtWithOctetsThatAreNotUtf8_ShowsThemEscapedAsDigDoes()
    {
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, Txt, 300, Strings([.. "caf"u8, 0xC3, 0xA9], [.. "bad"u8, 0xFF, .. "byte"u8])));

        var result = await _runner.RunAsync("example.test", new { recordType = "TXT", servers = new[] { server.Address } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        var record = Assert.Single(((DnsDetails)result.Details!).Servers[0].Answers);
        Assert.Equal("\"caf\\195\\169\" \"bad\\255byte\"", record.Data);
        Assert.Equal(["example.test. TXT \"caf\\195\\169\" \"bad\\255byte\""], result.Measurements["dns.answers"].Items);
    }

    [Fact]
    public async Task RunAsync_TxtWithBackslashOctetAndOctet255_TellsThemApart()
    {
        // A backslash followed by "255" and the octet 255 itself: DnsClient's escaped text writes both as \255.
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, Txt, 300,
            Strings("\\255"u8.ToArray()), Strings([0xFF]), Strings([0xFF, .. "\\255"u8, 0xE2, 0x82]), Strings([.. "\\"u8, 0xC3, 0xA9, .. "\\\""u8, 0x09])));

        var result = await _runner.RunAsync("example.test", new { recordType = "TXT", servers = new[] { server.Address } });

        Assert.Equal(
            ["\"\\\\255\"", "\"\\255\"", "\"\\255\\\\255\\226\\130\"", "\"\\\\\\195\\169\\\\\\\"\\009\""],
            ((DnsDetails)result.Details!).Servers[0].Answers.Select(a => a.Data));
    }

    [Fact]
    public async Task RunAsync_TxtChangesInOneOctetThatIsNotUtf8_IsDrift()
    {
        byte last = 0xFF;
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, Txt, 300, Strings([.. "x"u8, Volatile.Read(ref last)])));
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { State = new InMemoryCheckStateStore() });
        var check = DnsChecks.Parse("example.test", new { recordType = "TXT", servers = new[] { server.Address }, drift = "baseline" });
        Assert.Equal(ProbeStatus.Up, (await runner.RunAsync(check, TestContext.Current.CancellationToken)).Status);

        Volatile.Write(ref last, 0xFE);
        var result = await runner.RunAsync(check, TestContext.Current.CancellationToken);

        Assert.Equal("dns_drift", result.Failure!.Category);
        Assert.EndsWith("added [example.test. TXT \"x\\254\"]; removed [example.test. TXT \"x\\255\"]", result.Failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"caf\\195\\169\" \"bad\\255byte\"")]
    [InlineData("example.test. TXT \"café\" \"bad\\255byte\"")]
    public async Task RunAsync_ExpectedTxtCopiedFromDig_Matches(string expected)
    {
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, Txt, 300, Strings([.. "caf"u8, 0xC3, 0xA9], [.. "bad"u8, 0xFF, .. "byte"u8])));

        var result = await _runner.RunAsync("example.test", new { recordType = "TXT", servers = new[] { server.Address }, expectAnswers = new[] { expected } });

        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_RegexOnTxt_SeesTheEscapedOctetsAsBlackboxDoes()
    {
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, Txt, 300, Strings([.. "bad"u8, 0xFF, .. "byte"u8])));

        var result = await _runner.RunAsync("example.test", new
        {
            recordType = "TXT",
            servers = new[] { server.Address },
            validateAnswer = new { failIfNotMatchesRegexp = new[] { "\"bad\\\\255byte\"$" }, failIfMatchesRegexp = new[] { "\uFFFD" } },
        });

        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_TtlWithTheTopBitSet_IsTakenAsZero()
    {
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, 1, 0x8000_0E10, [192, 0, 2, 1]));

        var result = await _runner.RunAsync("example.test", new { servers = new[] { server.Address }, minTtl = "1m" });

        Assert.Equal(0, Assert.Single(((DnsDetails)result.Details!).Servers[0].Answers).Ttl);
        Assert.Equal(0, result.Measurements["dns.ttl_min"].Number);
        Assert.Equal($"{server.Address}: example.test. A 192.0.2.1 has a TTL of 0 s, below minTtl (60 s)", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_DnameRecord_ShowsItsTargetAsDigDoesAndComparesItInLowerCase()
    {
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, 39, 300, [5, .. "Other"u8, 1, .. "t"u8, 0]));

        var result = await _runner.RunAsync("example.test", new { servers = new[] { server.Address } });

        var record = Assert.Single(((DnsDetails)result.Details!).Servers[0].Answers);
        Assert.Equal(("DNAME", "Other.t."), (record.Type, record.Data));
        Assert.Equal(["example.test. DNAME other.t."], result.Measurements["dns.answers"].Items);
    }

    [Theory]
    [InlineData(65, new byte[] { 0x00, 0x01, 0x00 }, "TYPE65", "\\# 3 000100")]
    [InlineData(65, new byte[0], "TYPE65", "\\# 0")]
    [InlineData(39, new byte[] { 0xC0, 0x0C }, "DNAME", "\\# 2 C00C")]
    public async Task RunAsync_TypeDnsClientDoesNotKnow_ShowsTheGenericFormOfRfc3597(int type, byte[] rdata, string name, string data)
    {
        using var server = new HostileDnsServer(q => HostileDnsServer.Answer(q, (ushort)type, 300, rdata));

        var result = await _runner.RunAsync("example.test", new { servers = new[] { server.Address } });

        var record = Assert.Single(((DnsDetails)result.Details!).Servers[0].Answers);
        Assert.Equal((name, data), (record.Type, record.Data));
    }

    /// <summary>TXT RDATA: each string with its length octet (RFC 1035 §3.3.14).</summary>
    private static byte[] Strings(params byte[][] strings) => [.. strings.SelectMany(s => (byte[])[(byte)s.Length, .. s])];
}

/// <summary>Recovering the octets of a character string from what DnsClient keeps of it, and quoting them as dig does.</summary>
public sealed class DnsCharacterStringsTests
{
    public static TheoryData<byte[]> Octets()
    {
        byte[][] cases =
        [
            "plain text"u8.ToArray(),
            [0xFF],
            [.. "\\255"u8],
            [0xFF, .. "\\255"u8],
            [.. "\\255"u8, 0xFF],
            [0xE2, .. "\\130"u8, 0x82],
            [0xE2, 0x82, .. "\\130"u8],
            [.. "\\"u8, .. "\\"u8, .. "\""u8, 0x00, 0x7F, 0x80],
            [.. "caf"u8, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xA0, 0x80],
            [],
        ];
        var data = new TheoryData<byte[]>();
        foreach (var octets in cases)
        {
            data.Add(octets);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Octets))]
    public void Recover_WhatDnsClientKeeps_GivesBackTheOctets(byte[] octets)
    {
        var escaped = DnsClient.DnsDatagramReader.ParseString(octets);

        Assert.Equal(octets, DnsCharacterStrings.Recover(escaped, Encoding.UTF8.GetString(octets)));
    }

    [Theory]
    [InlineData(new byte[] { 0x63, 0xC3, 0xA9 }, "\"c\\195\\169\"")]
    [InlineData(new byte[] { 0x22, 0x5C, 0x3B, 0x20, 0x7E, 0x7F, 0x09 }, "\"\\\"\\\\; ~\\127\\009\"")]
    public void Quote_Octets_AsDigPrintsThem(byte[] octets, string quoted) =>
        Assert.Equal(quoted, DnsCharacterStrings.Quote(octets));
}
