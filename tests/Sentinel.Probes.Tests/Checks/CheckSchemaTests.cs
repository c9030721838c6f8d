using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Xunit;

namespace Sentinel.Probes.Tests.Checks;

/// <summary>
/// The JSON Schema editors use must describe the same format the parser accepts: the same fields at each
/// level and the same types. The parser's own "unknown field; expected one of: …" message lists what it
/// knows, so the two are compared directly.
/// </summary>
public sealed partial class CheckSchemaTests
{
    private static readonly JsonElement Schema = LoadSchema();

    [Fact]
    public void Schema_TopLevelFields_MatchWhatTheParserAccepts()
    {
        var accepted = KnownFields("""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "zzz": 1 }""", "$.zzz");

        Assert.Equal(accepted, Properties(Schema.GetProperty("$defs").GetProperty("check")));
    }

    [Fact]
    public void Schema_AssertionFields_MatchWhatTheParserAccepts()
    {
        var accepted = KnownFields("""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "assert": [{ "that": "tcp.duration.total_ms", "atMost": 1, "zzz": 1 }] }""", "$.assert[0].zzz");

        Assert.Equal(accepted, Properties(Schema.GetProperty("$defs").GetProperty("assertion")));
    }

    [Fact]
    public void Schema_AlertFields_MatchWhatTheParserAccepts()
    {
        var accepted = KnownFields("""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": { "zzz": 1 } }""", "$.alert.zzz");

        Assert.Equal(accepted, Properties(Schema.GetProperty("$defs").GetProperty("alert")));
    }

    [Theory]
    [InlineData("icmp", "127.0.0.1")]
    [InlineData("path", "127.0.0.1")]
    public void Schema_SectionFields_MatchWhatTheParserAccepts(string type, string target)
    {
        var accepted = KnownFields($$"""{ "id": "a", "type": "{{type}}", "target": "{{target}}", "{{type}}": { "zzz": 1 } }""", $"$.{type}.zzz");

        Assert.Equal(accepted, Properties(Schema.GetProperty("$defs").GetProperty("check").GetProperty("properties").GetProperty(type)));
    }

    [Fact]
    public void Schema_TypeEnum_ListsEveryProbeType()
    {
        var types = Schema.GetProperty("$defs").GetProperty("check").GetProperty("properties").GetProperty("type").GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal);

        Assert.Equal(ProbeCatalog.Default.Types.Select(t => t.Name), types);
    }

    [Fact]
    public void Schema_DurationPattern_AgreesWithTheParser()
    {
        var pattern = new Regex(Schema.GetProperty("$defs").GetProperty("duration").GetProperty("pattern").GetString()!);
        foreach (var text in new[] { "30s", "5m", "1h30m", "500ms", "1.5s", "2d", "1h0m0s" })
        {
            Assert.True(pattern.IsMatch(text) && Duration.TryParse(text, out _), text);
        }

        foreach (var text in new[] { "30", "-5s", "5x", "m", "30m1h", "1s1s" })
        {
            Assert.False(pattern.IsMatch(text) && Duration.TryParse(text, out _), text);
            Assert.False(Duration.TryParse(text, out _), text);
        }
    }

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
