using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Xunit;

namespace Sentinel.Probes.Tests.Headers;

/// <summary>
/// The JSON Schema describes the headers section, the audit object of http checks and its parts with the same
/// fields the parser accepts (compared through the parser's own "expected one of" list), and the same finding ids.
/// </summary>
public sealed partial class HeadersSchemaTests
{
    private static readonly JsonElement Schema = LoadSchema();

    [Theory]
    [InlineData("""{ "id": "a", "type": "headers", "target": "https://a.example/", "headers": { "zzz": 1 } }""", "$.headers.zzz", "check/properties/headers")]
    [InlineData("""{ "id": "a", "type": "http", "target": "https://a.example/", "http": { "audit": { "zzz": 1 } } }""", "$.http.audit.zzz", "audit")]
    [InlineData("""{ "id": "a", "type": "headers", "target": "https://a.example/", "headers": { "hsts": { "zzz": 1 } } }""", "$.headers.hsts.zzz", "audit/properties/hsts")]
    [InlineData("""{ "id": "a", "type": "headers", "target": "https://a.example/", "headers": { "cors": { "zzz": 1 } } }""", "$.headers.cors.zzz", "audit/properties/cors")]
    public void Schema_Fields_MatchWhatTheParserAccepts(string json, string path, string location)
    {
        var error = Assert.Single(CheckParser.Parse(json, "t.json", ProbeCatalog.Default.Checks).Errors, e => e.Path == path);
        var list = ExpectedList().Match(error.Message);
        Assert.True(list.Success, error.Message);

        // A headers section knows "audit" only to reject it with a message saying where the audit fields go.
        var accepted = list.Groups[1].Value.Split(", ").Where(f => !(path == "$.headers.zzz" && f == "audit"));
        Assert.Equal(accepted.Order(StringComparer.Ordinal), Properties(Definition(location)));
    }

    [Fact]
    public void Schema_SeverityIds_AreTheFixedIdList()
    {
        Assert.Equal(AuditIds.All.Select(i => i.Id).Order(StringComparer.Ordinal), Properties(Definition("audit/properties/severity")));
    }

    [Fact]
    public void Schema_HeadersSection_ReferencesOnlyDefinitionsThatExist()
    {
        foreach (var property in Definition("check/properties/headers").GetProperty("properties").EnumerateObject())
        {
            var reference = property.Value.GetProperty("$ref").GetString()!;
            Assert.StartsWith("#/$defs/", reference, StringComparison.Ordinal);
            Definition(reference["#/$defs/".Length..]);
        }
    }

    private static JsonElement Definition(string location)
    {
        var element = Schema.GetProperty("$defs");
        foreach (var part in location.Split('/'))
        {
            element = element.GetProperty(part);
        }

        return element;
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
