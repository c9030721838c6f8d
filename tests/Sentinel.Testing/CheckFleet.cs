using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Sentinel.Testing;

/// <summary>
/// A check of every type against peers on loopback that the fleet starts and stops: a plain and an HTTPS server (a
/// chain from a test CA), two DNS servers serving one zone, ICMP to 127.0.0.1. Some checks fail on purpose (a closed
/// port, a chain the check does not trust), and a tcp check shares its target with a tls check, so that every kind of
/// series and state is there to be read, as a dashboard reads a real fleet.
/// </summary>
public sealed class CheckFleet : IAsyncDisposable
{
    private readonly TestCertificateAuthority _ca;
    private readonly HttpTestServer _http;
    private readonly HttpTestServer _https;
    private readonly DnsZoneServer _dns1;
    private readonly DnsZoneServer _dns2;

    private CheckFleet(TestCertificateAuthority ca, HttpTestServer http, HttpTestServer https, DnsZoneServer dns1, DnsZoneServer dns2)
    {
        _ca = ca;
        _http = http;
        _https = https;
        _dns1 = dns1;
        _dns2 = dns2;
    }

    /// <summary>The HTTPS server's address, the target of the tls check and of the tcp check that shares it.</summary>
    public string TlsTarget => $"127.0.0.1:{_https.Port}";

    /// <summary>The CA's root certificate, PEM.</summary>
    public string RootPem => _ca.RootPem;

    public static async Task<CheckFleet> StartAsync()
    {
        var ca = TestCertificateAuthority.Create("Sentinel Fleet");
        var chain = ca.Issue(new CertificateSpec { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] });
        var http = await HttpTestServer.StartAsync();
        var https = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = chain });
        var dns1 = DnsZoneServer.Start();
        var dns2 = DnsZoneServer.Start();
        foreach (var dns in new[] { dns1, dns2 })
        {
            dns.AddAddress("www.fleet.test.", "192.0.2.10");
            dns.AddAddress("www.fleet.test.", "192.0.2.11");
            dns.Add(new SoaRecord(DomainName.Parse("fleet.test."), 3600, DomainName.Parse("ns1.fleet.test."), DomainName.Parse("hostmaster.fleet.test."), 2026120701, 7200, 3600, 1209600, 300));
        }

        return new CheckFleet(ca, http, https, dns1, dns2);
    }

    /// <summary>
    /// The fleet's check files (name and JSON), each check with its <c>team</c> label; <paramref name="rootFile"/> is
    /// where the caller wrote <see cref="RootPem"/>.
    /// </summary>
    public IReadOnlyList<(string File, string Json)> Checks(string rootFile, int closedPort)
    {
        var ca = rootFile.Replace("\\", "\\\\", StringComparison.Ordinal);
        var servers = $"\"{_dns1.Address}\", \"{_dns2.Address}\"";
        var fast = "\"interval\": \"1s\", \"timeout\": \"900ms\"";
        return
        [
            ("tcp.json", $$"""{ "id": "web-port", "type": "tcp", "target": "127.0.0.1:{{_http.Port}}", {{fast}}, "labels": { "team": "web" } }"""),
            ("tcp-closed.json", $$"""{ "id": "closed-port", "type": "tcp", "target": "127.0.0.1:{{closedPort}}", {{fast}}, "labels": { "team": "db" } }"""),
            ("tcp-tls-port.json", $$"""{ "id": "tls-port", "type": "tcp", "target": "{{TlsTarget}}", {{fast}}, "labels": { "team": "web" } }"""),
            ("tls.json", $$"""{ "id": "web-cert", "name": "Web certificate", "type": "tls", "target": "{{TlsTarget}}", {{fast}}, "labels": { "team": "web", "env": "test" }, "tls": { "caFile": "{{ca}}" } }"""),
            ("tls-untrusted.json", $$"""{ "id": "web-cert-untrusted", "type": "tls", "target": "{{TlsTarget}}", {{fast}}, "labels": { "team": "web" } }"""),
            ("https.json", $$"""{ "id": "web-https", "type": "http", "target": "https://127.0.0.1:{{_https.Port}}/last-modified", {{fast}}, "labels": { "team": "web" }, "http": { "bodyMatches": "unchanged", "tls": { "caFile": "{{ca}}" } } }"""),
            ("http-missing.json", $$"""{ "id": "web-missing", "type": "http", "target": "{{_http.Url("/status/404")}}", {{fast}}, "labels": { "team": "web" }, "http": { "addresses": "all" } }"""),
            ("headers.json", $$"""{ "id": "web-headers", "type": "headers", "target": "https://127.0.0.1:{{_https.Port}}/", "interval": "2s", "timeout": "1500ms", "labels": { "team": "web" }, "headers": { "hsts": { "httpRedirect": false }, "tls": { "caFile": "{{ca}}" } } }"""),
            ("dns.json", $$"""{ "id": "www-a", "type": "dns", "target": "www.fleet.test", {{fast}}, "labels": { "team": "dns" }, "dns": { "servers": [{{servers}}], "recursion": false, "agree": true, "drift": "baseline" } }"""),
            ("dns-soa.json", $$"""{ "id": "fleet-soa", "type": "dns", "target": "fleet.test", {{fast}}, "labels": { "team": "dns" }, "dns": { "recordType": "SOA", "servers": [{{servers}}], "recursion": false, "agree": true } }"""),
            ("icmp.json", """{ "id": "loopback-ping", "type": "icmp", "target": "127.0.0.1", "interval": "3s", "timeout": "2s", "labels": { "team": "net" }, "icmp": { "count": 2, "interval": "100ms", "replyTimeout": "300ms" } }"""),
            ("path.json", """{ "id": "loopback-path", "type": "path", "target": "127.0.0.1", "interval": "3s", "timeout": "2s", "labels": { "team": "net" }, "path": { "cycles": 2, "interval": "200ms", "replyTimeout": "300ms", "maxHops": 4 } }"""),
        ];
    }

    public async ValueTask DisposeAsync()
    {
        await _http.DisposeAsync();
        await _https.DisposeAsync();
        _dns1.Dispose();
        _dns2.Dispose();
        _ca.Dispose();
    }
}
