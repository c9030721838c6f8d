using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Tls;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>The tls section as the parser reads it, and as check.schema.json describes it.</summary>
public sealed partial class TlsSectionTests
{
    [Fact]
    public void Schema_TlsSectionFields_MatchWhatTheParserAccepts()
    {
        var error = Assert.Single(CheckParser.Parse("""{ "id": "a", "type": "tls", "target": "a.test:443", "tls": { "zzz": 1 } }""", "t.json", ProbeCatalog.Default.Checks).Errors);
        var accepted = ExpectedList().Match(error.Message).Groups[1].Value.Split(", ").Order(StringComparer.Ordinal);

        using var stream = typeof(CheckParser).Assembly.GetManifestResourceStream("Sentinel.Probes.check.schema.json")!;
        using var schema = JsonDocument.Parse(stream);
        var described = schema.RootElement.GetProperty("$defs").GetProperty("check").GetProperty("properties").GetProperty("tls")
            .GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(accepted, described);
        Assert.Equal(TlsSection.MemberNames.Order(StringComparer.Ordinal), described);
    }

    [Fact]
    public void Read_NoSection_HasTheDocumentedDefaults()
    {
        var section = Parse("""{ "id": "a", "type": "tls", "target": "a.test:443" }""");

        Assert.Null(section.Settings.ServerName);
        Assert.Null(section.Settings.CaFile);
        Assert.Null(section.StartTls);
        Assert.False(section.AuditVersions);
        Assert.Equal(TimeSpan.FromDays(14), section.Settings.ExpiryThreshold);
    }

    [Fact]
    public void Read_EverySetting_IsKept()
    {
        var section = Parse("""
            { "id": "a", "type": "tls", "target": "mail.a.test:587",
              "tls": { "serverName": "MAIL.Bücher.test.", "caFile": "/etc/ca.pem", "clientCertificate": "/etc/c.pem", "clientKey": "/etc/c.key",
                       "expiryThreshold": "0s", "starttls": "smtp", "tlsVersions": true } }
            """);

        Assert.Equal("mail.xn--bcher-kva.test", section.Settings.ServerName);
        Assert.Equal("/etc/ca.pem", section.Settings.CaFile);
        Assert.Equal(("/etc/c.pem", "/etc/c.key"), (section.Settings.ClientCertificate, section.Settings.ClientKey));
        Assert.Equal(TimeSpan.Zero, section.Settings.ExpiryThreshold);
        Assert.Equal(StartTlsProtocol.Smtp, section.StartTls);
        Assert.True(section.AuditVersions);
    }

    private static TlsSection Parse(string json)
    {
        var document = CheckParser.Parse(json, "t.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document.Checks[0].Definition.SectionAs<TlsSection>()!;
    }

    [GeneratedRegex("expected one of: (.+)$")]
    private static partial Regex ExpectedList();
}
