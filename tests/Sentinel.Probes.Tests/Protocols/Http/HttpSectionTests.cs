using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Http;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>The http section as the parser reads it, and the JSON Schema describing the same fields.</summary>
public sealed partial class HttpSectionTests
{
    private static readonly JsonElement Schema = LoadSchema();

    [Fact]
    public void Schema_HttpFields_MatchWhatTheParserAccepts()
    {
        var accepted = KnownFields("""{ "id": "a", "type": "http", "target": "http://127.0.0.1/", "http": { "zzzzzzzz": 1 } }""", "$.http.zzzzzzzz");

        Assert.Equal(accepted, Properties(Http()));
    }

    [Fact]
    public void Schema_HttpTlsFields_MatchWhatTheParserAccepts()
    {
        var accepted = KnownFields("""{ "id": "a", "type": "http", "target": "https://127.0.0.1/", "http": { "tls": { "zzzzzzzz": 1 } } }""", "$.http.tls.zzzzzzzz");

        Assert.Equal(accepted, Properties(Http().GetProperty("properties").GetProperty("tls")));
    }

    [Fact]
    public void Read_NoSection_AppliesTheDocumentedDefaults()
    {
        var section = Section("""{ "id": "a", "type": "http", "target": "https://example.com/" }""");

        Assert.Equal(("GET", true, 10, HttpSection.DefaultMaxBodyBytes, HttpVersionPreference.Http11, false), (section.Method, section.FollowRedirects, section.MaxRedirects, section.MaxBodyBytes, section.Version, section.ReuseConnection));
        Assert.Equal(AddressPolicy.First, section.Addresses);
        Assert.True(section.Expects(204));
        Assert.False(section.Expects(301));
    }

    [Fact]
    public void Read_BodyWithoutMethod_IsAPost()
    {
        var section = Section("""{ "id": "a", "type": "http", "target": "https://example.com/", "http": { "body": "x=1" } }""");

        Assert.Equal("POST", section.Method);
    }

    [Theory]
    [InlineData("first", "First", 1)]
    [InlineData("any", "Any", 1)]
    [InlineData("all", "All", 5)]
    [InlineData("quorum:3", "Quorum", 3)]
    public void AddressPolicy_Parses(string text, string mode, int neededOfFive)
    {
        Assert.True(AddressPolicy.TryParse(text, out var policy));
        Assert.Equal(mode, policy.Mode.ToString());
        Assert.Equal(neededOfFive, policy.Needed(5));
        Assert.Equal(text, policy.ToString());
    }

    [Theory]
    [InlineData("quorum:0")]
    [InlineData("quorum:9")]
    [InlineData("quorum:")]
    [InlineData("quorum:-1")]
    [InlineData("All")]
    public void AddressPolicy_RejectsMalformed(string text) => Assert.False(AddressPolicy.TryParse(text, out _));

    [Fact]
    public void AddressPolicy_ProbesAtMostEight() => Assert.Equal(8, new AddressPolicy(AddressMode.All, 0).Probed(20));

    private static HttpSection Section(string json)
    {
        var document = CheckParser.Parse(json, "t.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return document.Checks[0].Definition.SectionAs<HttpSection>()!;
    }

    private static JsonElement Http() => Schema.GetProperty("$defs").GetProperty("check").GetProperty("properties").GetProperty("http");

    private static IReadOnlyList<string> KnownFields(string json, string path)
    {
        var error = Assert.Single(CheckParser.Parse(json, "t.json", ProbeCatalog.Default.Checks).Errors, e => e.Path == path);
        var list = ExpectedList().Match(error.Message);
        Assert.True(list.Success, error.Message);
        return list.Groups[1].Value.Split(", ").Order(StringComparer.Ordinal).ToList();
    }

    private static IReadOnlyList<string> Properties(JsonElement definition) =>
        definition.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    private static JsonElement LoadSchema()
    {
        using var stream = typeof(CheckParser).Assembly.GetManifestResourceStream("Sentinel.Probes.check.schema.json")!;
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    [GeneratedRegex("expected one of: (.+)$")]
    private static partial Regex ExpectedList();
}
