using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;
using Sentinel.Probes.Tests.Protocols.Tls;
using Sentinel.Probes.Tests.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>The JSON and report lines of http details (http and headers checks), pinned byte for byte.</summary>
public sealed class HttpDetailsTests
{
    private static readonly FakeTimeProvider Time = new(GoldenHandshake.Now);

    [Fact]
    public async Task Details_TwoAddressesRedirectTlsAndAudit_WritesTheGoldenJsonAndReport()
    {
        var inspection = await GoldenHandshake.InspectAsync();
        var section = new HttpSection
        {
            Addresses = new AddressPolicy(AddressMode.All, 0),
            HeaderMatches = [new HeaderPattern("X-Request-Id", new Regex(".+"))],
        };
        var v4 = IPAddress.Parse("192.0.2.80");
        var v6 = IPAddress.Parse("2001:db8::80");

        var redirect = new HttpHop(new Uri("https://www.sentinel.test/"), "GET", Time)
        {
            NewConnection = true,
            Remote = new IPEndPoint(v4, 443),
            Local = new IPEndPoint(IPAddress.Parse("192.0.2.99"), 40001),
            Status = 301,
            Reason = "Moved Permanently",
            Version = HttpVersion.Version11,
            Location = "/healthz",
            ContentLength = 0,
            WireBytes = 0,
            DecodedBytes = 0,
            RequestHeaders = [new("Host", "www.sentinel.test"), new("Authorization", "<redacted>")],
            ResponseHeaders = [new("Location", "/healthz"), new("Server", "golden"), new("Date", "Fri, 01 Jan 2027 00:00:00 GMT")],
        };
        redirect.AddPhase("resolve", TimeSpan.FromMilliseconds(0.4321));
        redirect.AddPhase("connect", TimeSpan.FromMilliseconds(1.2));
        redirect.AddPhase("tls", TimeSpan.FromMilliseconds(3.14159));
        redirect.AddPhase("processing", TimeSpan.FromMilliseconds(10));
        redirect.AddPhase("transfer", TimeSpan.FromTicks(1));

        var final = new HttpHop(new Uri("https://www.sentinel.test/healthz?full=1"), "GET", Time)
        {
            NewConnection = false,
            Status = 200,
            Reason = "OK",
            Version = HttpVersion.Version20,
            ContentEncoding = "gzip",
            ContentLength = -1,
            WireBytes = 120,
            DecodedBytes = 512,
            RequestHeaders = [new("Host", "www.sentinel.test")],
            WithheldHeaders = ["Authorization"],
            ResponseHeaders = [new("Content-Type", "application/json; charset=utf-8"), new("X-Request-Id", "a\"b<c>é"), new("Strict-Transport-Security", "max-age=31536000")],
        };
        final.AddPhase("processing", TimeSpan.FromMilliseconds(20.0005));
        final.AddPhase("transfer", TimeSpan.FromMilliseconds(1.5));

        var rejected = new HttpHop(new Uri("https://www.sentinel.test/"), "GET", Time)
        {
            NewConnection = true,
            Remote = new IPEndPoint(v6, 443),
            Local = new IPEndPoint(IPAddress.Parse("2001:db8::99"), 40002),
            RequestHeaders = [new("Host", "www.sentinel.test")],
            CertificateRejection = [new Problem(Layers.Tls, FailureCategories.TlsHostnameMismatch, "wrong host", "fix it")],
        };
        rejected.AddPhase("connect", TimeSpan.FromMilliseconds(2));

        var audit = new AuditDetails
        {
            Posture = new AuditPosture(new HstsPosture(true, 31536000, true, false), new CorsPosture(false, false, true, false), new HeadersPosture(true, false, true, false), "https://www.sentinel.test/healthz"),
            ComparedWith = "2026-12-31 23:00:00Z (header audit on node-a)",
        };
        audit.Add(new AuditExchange(
            new AuditRequest("the check's request", "GET", new Uri("https://www.sentinel.test/healthz?full=1"), [new("Host", "www.sentinel.test")]),
            new AuditResponse(200, "OK", [new("Set-Cookie", "session=secret; Secure; HttpOnly"), new("Strict-Transport-Security", "max-age=31536000; includeSubDomains")])));
        audit.Add(new AuditExchange(
            new AuditRequest("the preflight with Origin: null", "OPTIONS", new Uri("https://www.sentinel.test/healthz"),
                [new("Origin", "null"), new("Access-Control-Request-Method", "PUT")]),
            Response: null,
            new Problem(Layers.Tcp, FailureCategories.TcpTimeout, "timed out", "look")));
        audit.Add(new AuditExchange(
            new AuditRequest("plain", "GET", new Uri("http://www.sentinel.test/"), []),
            new AuditResponse(308, null, [new("Location", "https://www.sentinel.test/")])));

        var details = new HttpDetails("system", section)
        {
            Addresses = [v4, v6],
            Outcomes =
            [
                new HttpAddressOutcome(0, v4, new HttpAttemptOutcome([redirect, final], []), inspection, TimeSpan.FromMilliseconds(36.123456), Handshaked: true),
                new HttpAddressOutcome(1, v6, new HttpAttemptOutcome([rejected], [new Problem(Layers.Tls, FailureCategories.TlsHostnameMismatch, "wrong host", "fix it")]),
                    Inspection: null, TimeSpan.FromMilliseconds(4), Handshaked: true),
            ],
            Up = [true, false],
            Representative = 0,
            Verdict = "1 of 2 addresses passed; the policy all needs 2",
            Audit = audit,
        };

        DetailsGolden.Matches("http-addresses-redirect-audit", details);
    }

    [Fact]
    public void Details_PlainThroughProxyWithAFailure_WritesTheGoldenJsonAndReport()
    {
        var section = new HttpSection { Proxy = new Uri("http://proxy.sentinel.test:3128") };
        var proxy = IPAddress.Parse("192.0.2.31");
        var hop = new HttpHop(new Uri("http://www.sentinel.test/status"), "HEAD", Time)
        {
            NewConnection = true,
            Remote = new IPEndPoint(proxy, 3128),
            Local = new IPEndPoint(IPAddress.Parse("192.0.2.99"), 40003),
            RequestHeaders = [new("Host", "www.sentinel.test")],
        };
        hop.AddPhase("resolve", TimeSpan.FromMilliseconds(0.5));
        hop.AddPhase("connect", TimeSpan.FromMilliseconds(0.25));
        hop.AddPhase("processing", TimeSpan.FromMilliseconds(5000));

        var details = new HttpDetails("192.0.2.53:53", section)
        {
            Addresses = [proxy],
            Outcomes = [new HttpAddressOutcome(0, proxy, new HttpAttemptOutcome([hop], [new Problem(Layers.Http, FailureCategories.HttpTimeout, "no response", "slow")]), null, TimeSpan.FromSeconds(5), Handshaked: false)],
            Up = [false],
        };

        DetailsGolden.Matches("http-proxy-timeout", details);
    }

    [Fact]
    public void Details_Unresolved_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("http-unresolved", new HttpDetails("system", new HttpSection()));
}
