using System.Text.Json;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Tcp;
using Xunit;

namespace Sentinel.Probes.Tests.Checks;

public sealed class CheckParserTests
{
    [Fact]
    public void Parse_MinimalCheck_AppliesDefaults()
    {
        var document = CheckParser.Parse("""{ "id": "db", "type": "tcp", "target": "db.example.test:5432" }""", "db.json", ProbeCatalog.Default.Checks);

        var check = Assert.Single(document.Checks).Definition;
        Assert.Equal("db", check.Id);
        Assert.Equal("db", check.Name);
        Assert.Equal(TimeSpan.FromSeconds(60), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), check.Timeout);
        Assert.True(check.Enabled);
        Assert.Equal(IpVersion.Any, check.IpVersion);
        Assert.Null(check.Resolver);
        Assert.IsType<TcpSection>(check.Section);
        Assert.Empty(check.Assertions);
    }

    [Fact]
    public void Parse_ShortInterval_DefaultTimeoutStaysBelowIt()
    {
        var check = Parse("""{ "id": "fast", "type": "tcp", "target": "127.0.0.1:1", "interval": "2s" }""");

        Assert.Equal(TimeSpan.FromMilliseconds(1600), check.Timeout);
    }

    [Fact]
    public void Parse_FullCheck_ReadsEveryField()
    {
        var check = Parse("""
            {
              "$schema": "../check.schema.json",
              "id": "payments-db",
              "name": "Payments database",
              "description": "primary",
              "type": "tcp",
              "target": "[::1]:5432",
              "interval": "1m30s",
              "timeout": "2.5s",
              "enabled": false,
              "labels": { "team": "payments", "env": "prod" },
              "resolver": "127.0.0.1:5353",
              "ipVersion": "ipv6",
              "tcp": {},
              "assert": [
                { "that": "tcp.duration.connect_ms", "atMost": 50, "severity": "warning" },
                { "that": "tcp.duration.total_ms", "in": [1, 2, "3"] }
              ]
            }
            """);

        Assert.Equal("Payments database", check.Name);
        Assert.Equal("primary", check.Description);
        Assert.Equal(TimeSpan.FromSeconds(90), check.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), check.Timeout);
        Assert.False(check.Enabled);
        Assert.Equal("payments", check.Labels["team"]);
        Assert.Equal("127.0.0.1:5353", check.Resolver);
        Assert.Equal(IpVersion.V6, check.IpVersion);
        Assert.Equal(2, check.Assertions.Count);
        Assert.Equal(AssertionOperator.AtMost, check.Assertions[0].Operator);
        Assert.Equal(AssertionSeverity.Warning, check.Assertions[0].Severity);
        Assert.Equal(3, check.Assertions[1].Operands.Count);
    }

    [Fact]
    public void Parse_AlertBlock_ReadsEveryField()
    {
        var check = Parse("""
            { "id": "a", "type": "tcp", "target": "127.0.0.1:1",
              "alert": { "after": 2, "within": 5, "resolveAfter": 3, "repeat": "4h", "severity": "warning", "notify": ["sre-oncall", "hook"] } }
            """);

        Assert.True(check.Alert.Enabled);
        Assert.Equal(2, check.Alert.After);
        Assert.Equal(5, check.Alert.Within);
        Assert.Equal(3, check.Alert.ResolveAfter);
        Assert.Equal(TimeSpan.FromHours(4), check.Alert.Repeat);
        Assert.Equal(AlertSeverity.Warning, check.Alert.Severity);
        Assert.Equal(["sre-oncall", "hook"], check.Alert.Notify!);
    }

    [Theory]
    [InlineData("false", false)]
    [InlineData("true", true)]
    [InlineData("{}", true)]
    public void Parse_AlertSwitch_TurnsAlertingOffOnlyWhenFalse(string alert, bool enabled)
    {
        var check = Parse($$"""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": {{alert}} }""");

        Assert.Equal(enabled, check.Alert.Enabled);
        Assert.Null(check.Alert.After);
        Assert.Null(check.Alert.Notify);
    }

    [Theory]
    [InlineData("\"0\"")]
    [InlineData("0")]
    [InlineData("\"0s\"")]
    public void Parse_AlertRepeatZero_NeverReminds(string repeat)
    {
        var check = Parse($$"""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": { "repeat": {{repeat}} } }""");

        Assert.Equal(TimeSpan.Zero, check.Alert.Repeat);
    }

    [Fact]
    public void Parse_AlertUnknownChannel_NamesTheKnownOnes()
    {
        var document = CheckParser.Parse(
            """{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": { "notify": ["sre-oncall", "pager"] } }""",
            "a.json", ProbeCatalog.Default.Checks, ["webhook", "sre-oncall"]);

        Assert.Equal("a.json:1: $.alert.notify[1]: unknown channel \"pager\"; known channels: sre-oncall, webhook", Assert.Single(document.Errors).ToString());
    }

    [Fact]
    public void Parse_AlertChannelWithNoneConfigured_SaysWhereChannelsAreConfigured()
    {
        var document = CheckParser.Parse(
            """{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": { "notify": ["sre"] } }""", "a.json", ProbeCatalog.Default.Checks, []);

        Assert.Equal("a.json:1: $.alert.notify[0]: unknown channel \"sre\"; no channels are configured (Sentinel:Alerting:Channels)", Assert.Single(document.Errors).ToString());
    }

    [Fact]
    public void Parse_Array_ReturnsEachCheckWithItsPathLineAndJson()
    {
        var document = CheckParser.Parse("""
            [
              { "id": "a", "type": "tcp", "target": "127.0.0.1:1" },
              { "id": "b", "type": "tcp", "target": "127.0.0.1:2" }
            ]
            """, "two.json", ProbeCatalog.Default.Checks);

        Assert.True(document.IsValid);
        Assert.Equal(["a", "b"], document.Checks.Select(c => c.Definition.Id));
        Assert.Equal(["$[0]", "$[1]"], document.Checks.Select(c => c.Path));
        Assert.Equal([2, 3], document.Checks.Select(c => c.Line!.Value));
        Assert.Equal("b", JsonDocument.Parse(document.Checks[1].Json).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public void Parse_OneBadCheckInArray_RejectsTheWholeDocument()
    {
        var document = CheckParser.Parse("""[{ "id": "a", "type": "tcp", "target": "127.0.0.1:1" }, { "id": "b", "type": "tcp" }]""", "x.json", ProbeCatalog.Default.Checks);

        Assert.Empty(document.Checks);
        Assert.Equal("x.json:1: $[1].target: required field is missing", Assert.Single(document.Errors).ToString());
    }

    [Fact]
    public void Parse_InternationalisedHostName_IsAcceptedInAsciiForm()
    {
        var check = Parse("""{ "id": "idn", "type": "tcp", "target": "bücher.example:443" }""");

        Assert.True(HostPort.TryParse(check.Target, 0, out var target, out _));
        Assert.Equal("xn--bcher-kva.example", target.Host);
    }

    [Fact]
    public void Parse_ByteOrderMark_IsIgnored()
    {
        var bytes = "\uFEFF{ \"id\": \"bom\", \"type\": \"tcp\", \"target\": \"127.0.0.1:1\" }"u8.ToArray();

        Assert.True(CheckParser.Parse(bytes, "bom.json", ProbeCatalog.Default.Checks).IsValid);
    }

    [Fact]
    public void RejectDuplicateIds_SameIdInTwoDocuments_RejectsTheLaterOneNamingTheFirst()
    {
        var first = CheckParser.Parse("""{ "id": "dup", "type": "tcp", "target": "127.0.0.1:1" }""", "a.json", ProbeCatalog.Default.Checks);
        var second = CheckParser.Parse("""
            [
              { "id": "other", "type": "tcp", "target": "127.0.0.1:1" },
              { "id": "dup", "type": "tcp", "target": "127.0.0.1:2" }
            ]
            """, "b.json", ProbeCatalog.Default.Checks);

        var documents = CheckSet.RejectDuplicateIds([first, second]);

        Assert.True(documents[0].IsValid);
        Assert.Empty(documents[1].Checks);
        Assert.Equal("b.json:3: $[1].id: duplicate id \"dup\": already defined in a.json:1", Assert.Single(documents[1].Errors).ToString());
    }

    [Theory]
    [InlineData("equals", "200", AssertionOperator.EqualTo)]
    [InlineData("notEquals", "\"x\"", AssertionOperator.NotEqualTo)]
    [InlineData("atLeast", "1.5", AssertionOperator.AtLeast)]
    [InlineData("atMost", "-3", AssertionOperator.AtMost)]
    [InlineData("in", "[1, \"a\"]", AssertionOperator.In)]
    [InlineData("matches", "\"^a\"", AssertionOperator.Matches)]
    public void Parse_EachAssertionOperator_IsRead(string name, string operand, AssertionOperator expected)
    {
        var check = Parse($$"""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "assert": [{ "that": "tcp.duration.total_ms", "{{name}}": {{operand}} }] }""");

        Assert.Equal(expected, Assert.Single(check.Assertions).Operator);
    }

    private static CheckDefinition Parse(string json)
    {
        var document = CheckParser.Parse(json, "test.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return Assert.Single(document.Checks).Definition;
    }
}
