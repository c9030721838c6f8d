using System.Net;
using System.Text.RegularExpressions;
using Sentinel.Api.Tests.Endpoints;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests.StatusPage;

/// <summary>The status page over a real fleet: its content, its encoding of hostile names, its access rules and its headers.</summary>
[Collection(ApiHostTests.Name)]
public sealed partial class StatusPageTests(StatusPageFleet fleet, PostgresCluster postgres) : IClassFixture<StatusPageFleet>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Page_Fleet_EveryCheckWithItsStateFailureAndUptime()
    {
        var html = await PageAsync(fleet.Host.Client());

        foreach (var (id, state) in StatusPageFleet.States)
        {
            Assert.True(Regex.IsMatch(html, $"<tr data-check=\"{id}\" data-state=\"{state}\">.*<span class=\"state state-{state}\">{state}</span>"), Row(html, id));
        }

        var down = Row(html, "db-down");
        Assert.Contains("<span class=\"category\">tcp_refused</span>", down, StringComparison.Ordinal);
        Assert.Contains("<span class=\"hint\">", down, StringComparison.Ordinal);
        Assert.Equal(["0.00%", "0.00%", "0.00%"], Uptimes(down));
        Assert.Equal(["100.00%", "100.00%", "100.00%"], Uptimes(Row(html, "web-up")));
        Assert.Equal(["—", "—", "—"], Uptimes(Row(html, "never")));
        Assert.Contains("<h1>Payments &amp; friends</h1>", html, StringComparison.Ordinal);
        Assert.Contains("6 checks: 1 degraded, 2 down, 1 pending, 2 up.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_Certificates_FewestDaysLeftFirst()
    {
        var html = await PageAsync(fleet.Host.Client());

        var certificates = html[html.IndexOf("<table class=\"certificates\">", StringComparison.Ordinal)..];
        var rows = CertificateRow().Matches(certificates).Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(["tls-soon", "tls-later"], rows.Select(r => r.Item1));
        Assert.InRange(rows[0].Item2, 9, 10);
        Assert.InRange(rows[1].Item2, 199, 200);
        Assert.Contains("<td class=\"num soon\">", certificates, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_ScriptTagAsName_IsEncodedNotRun()
    {
        var html = await PageAsync(fleet.Host.Client());

        Assert.Contains("<span class=\"name\">&lt;script&gt;alert(1)&lt;/script&gt;</span>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));
    }

    [Fact]
    public async Task Page_Headers_PolicyAllowsOnlyItsOwnStyleAndScript()
    {
        var response = await fleet.Host.Client().GetAsync("/status", Ct);

        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Matches("^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]{44}'; script-src 'sha256-[A-Za-z0-9+/=]{44}'; connect-src 'self';", policy);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Events_Public_SaysWhatHappenedWithoutTheDetails()
    {
        var client = fleet.Host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/status/events");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        var writer = fleet.Host.Client(await fleet.Host.CreateKeyAsync($"events-{Guid.NewGuid():N}", "write"));
        Assert.Equal(HttpStatusCode.OK, (await writer.PostAsync("/v1/checks/web-up/run", null, Ct)).StatusCode);

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        var lines = new List<string>();
        while (!lines.Contains("event: result") && await reader.ReadLineAsync(bound.Token) is { } line)
        {
            lines.Add(line);
        }

        Assert.Contains("event: result", lines);
        Assert.Equal("data: {}", (await reader.ReadLineAsync(bound.Token))!);
    }

    [Fact]
    public async Task Page_NotPublic_NeedsAReadKey()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:StatusPage:Enabled"] = "true" });

        var anonymous = await host.Client().GetAsync("/status", Ct);
        var events = await host.Client().GetAsync("/status/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        var keyed = await host.Client(await host.CreateKeyAsync("viewer", "read")).GetAsync("/status", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, events.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.Contains("0 checks.", await keyed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_Label_OnlyThoseChecks()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?>
        {
            ["Sentinel:StatusPage:Enabled"] = "true",
            ["Sentinel:StatusPage:Public"] = "true",
            ["Sentinel:StatusPage:Label"] = "team:payments",
        });
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("pay", host, "1h", """, "labels": { "team": "payments" }""")), Ct);
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("search", host, "1h", """, "labels": { "team": "search" }""")), Ct);

        var html = await PageAsync(host.Client());

        Assert.Contains("data-check=\"pay\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-check=\"search\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("team", "Sentinel:StatusPage:Label: \"team\" is not name:value")]
    [InlineData("9x:y", "Sentinel:StatusPage:Label: \"9x:y\" is not name:value")]
    [InlineData(":payments", "Sentinel:StatusPage:Label: \":payments\" is not name:value")]
    public void Label_Malformed_RefusedAtStart(string label, string message)
    {
        var configuration = Sentinel.Worker.Hosting.SentinelConfiguration.Build(null, new Dictionary<string, string?>
        {
            ["Sentinel:Database"] = "Host=/nonexistent;Database=none",
            ["Sentinel:StatusPage:Label"] = label,
        });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Sentinel.Worker.Hosting.SentinelHost.Build(configuration));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_OverHttps_SentinelsOwnHeadersAudit_FindsNoWarning()
    {
        using var pki = TestCertificateAuthority.Create();
        using var files = new TempDirectory("sentinel-status-audit");
        var chain = pki.Issue(new CertificateSpec { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] });
        await using var host = await ApiTestHost.StartAsync(postgres, scheme: "https", settings: new Dictionary<string, string?>
        {
            ["Sentinel:Http:CertificateFile"] = files.Write("server.pem", chain.LeafPem + chain.IntermediatesPem),
            ["Sentinel:Http:KeyFile"] = files.Write("server.key", chain.KeyPem),
            ["Sentinel:StatusPage:Enabled"] = "true",
            ["Sentinel:StatusPage:Public"] = "true",
        });
        var ca = files.Write("ca.pem", pki.RootPem);
        var document = CheckParser.Parse(
            $$"""
            {
              "id": "status-page-audit", "type": "headers", "target": "https://localhost:{{new Uri(host.BaseUrl).Port}}/status", "ipVersion": "ipv4",
              "headers": {
                "tls": { "caFile": "{{ca}}" },
                "failOn": "warning",
                "hsts": { "minMaxAge": "365d", "includeSubDomains": true, "httpRedirect": false },
                "securityHeaders": ["nosniff", "csp", "framing", "referrerPolicy", "cookies"]
              }
            }
            """, "audit", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));

        var result = await new ProbeRunner(ProbeCatalog.Default, new ProbeContext()).RunAsync(document.Checks[0].Definition, Ct);

        Assert.True(result.Status == ProbeStatus.Up, $"{result.Status}: {string.Join("; ", result.Problems.Select(p => p.Message))}");
        Assert.Equal(200.0, result.Measurements["http.status_code"].Number);
        Assert.DoesNotContain(result.Findings, f => f.Severity >= FindingSeverity.Warning);
    }

    [Fact]
    public async Task Browser_HeadlessChromium_ShowsEveryCheckStateAndRunsTheInlineScript()
    {
        var url = fleet.Host.BaseUrl + "/status";

        var dom = await HeadlessChromium.DumpDomAsync(url, TimeSpan.FromSeconds(60));
        var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "status-page.png");
        await HeadlessChromium.ScreenshotAsync(url, screenshot, 1280, 1000, TimeSpan.FromSeconds(60));

        foreach (var (id, state) in StatusPageFleet.States)
        {
            Assert.Matches($"<tr data-check=\"{id}\" data-state=\"{state}\">.*<span class=\"state state-{state}\">{state}</span>", dom);
        }

        // The script ran (the policy let it, by its hash) and the hostile name stayed text.
        Assert.Contains("<html lang=\"en\" class=\"js\">", dom, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", dom, StringComparison.Ordinal);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is nearly empty");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(screenshot)[..4]);
    }

    internal static async Task<string> PageAsync(HttpClient client)
    {
        var response = await client.GetAsync("/status", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {html}");
        return html;
    }

    private static string Row(string html, string id)
    {
        var start = html.IndexOf($"<tr data-check=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for {id}");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static List<string> Uptimes(string row) => UptimeCell().Matches(row).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex("<td class=\"num\">([^<]*)</td>")]
    private static partial Regex UptimeCell();

    [GeneratedRegex("<tr data-check=\"([^\"]+)\">.*?<td class=\"num [a-z]+\">(-?[0-9]+)</td>")]
    private static partial Regex CertificateRow();
}
